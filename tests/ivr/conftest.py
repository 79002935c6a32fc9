"""The IVR's live fixtures."""
from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from callcenter.settings import Settings
from ivr.flowfile import parse_flow
from tests.helpers.webapp import build_app_and_server


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


@pytest_asyncio.fixture(loop_scope="session")
async def ivr_admin(settings, db, tmp_path) -> AsyncIterator[tuple[TestClient, Path]]:
    """The whole web app (not started CTI server) whose IVR reads the example flows from a
    folder of this test's own, and stores uploads in another: (client, flows folder)."""
    folder = tmp_path / "flows"
    shutil.copytree(Settings().ivr_flows_dir, folder)
    own = settings.model_copy(update={"ivr_flows_dir": folder,
                                      "ivr_upload_dir": tmp_path / "uploads"})
    app, server = build_app_and_server(own, db)
    await server.ivr.load()
    async with TestClient(TestServer(app)) as client:
        yield client, folder
