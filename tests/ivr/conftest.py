"""The IVR's live fixtures."""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from ivr.flowfile import parse_flow


@pytest.fixture
def ivr_flow(cti) -> Iterator[Callable[..., str]]:
    """``ivr_flow(yaml, **values)``: a flow of the running CTI server's IVR for this test, from
    YAML with ``{name}`` (a fresh flow name) and ``values`` filled in; its name."""
    installed: list[str] = []

    def install(text: str, **values: str) -> str:
        name = f"t{uuid.uuid4().hex[:10]}"
        flow = parse_flow(text.format(name=name, **values), f"{name}.yaml")
        cti.server.ivr.flows[name] = flow
        installed.append(name)
        return name

    yield install
    for name in installed:
        cti.server.ivr.flows.pop(name, None)
