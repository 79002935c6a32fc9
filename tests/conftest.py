"""Shared fixtures. Integration fixtures provision real parts and fail, never skip."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.settings import Settings

from tests.helpers.slots import take_slot
from tests.helpers.speech import KO_MODEL

pytest_plugins = [
    "tests.fixtures.database", "tests.fixtures.asterisk", "tests.fixtures.product",
    "tests.fixtures.webapp", "tests.fixtures.browser", "tests.fixtures.allot",
]


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    """Settings for the test run: own data folder, own sandbox instance and ports, so a running
    demo or another test run on the same machine is left alone."""
    slot, lock = take_slot()
    base = os.environ.get("CALLCENTER_TEST_DATA_DIR", "/tmp/callcenter-test")
    data_dir = Path(base if slot == 0 else f"{base}-{slot}")
    data_dir.mkdir(parents=True, exist_ok=True)
    offset = 100 * slot
    yield Settings(
        data_dir=data_dir,
        sandbox_name="test" if slot == 0 else f"test{slot}",
        ami_port=15038 + offset,
        sandbox_sip_port=15060 + offset,
        sandbox_http_port=18088 + offset,
        fastagi_port=14573 + offset,
        http_port=18080 + offset,
        # The tests' campaigns dial only where a test runs its own dialer (simulated customers).
        dialer_enabled=False,
        # Only queues whose policy says "ko" are transcribed (the default language has none).
        vosk_models={"ko": KO_MODEL},
    )
    lock.close()
