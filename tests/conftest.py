"""Shared fixtures. Integration fixtures provision real parts and fail, never skip."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from callcenter.settings import Settings

pytest_plugins = ["tests.fixtures.database", "tests.fixtures.asterisk"]


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Settings for the test run: own data folder, own sandbox instance and ports, so a running
    demo on the same machine is left alone."""
    data_dir = Path(os.environ.get("CALLCENTER_TEST_DATA_DIR", "/tmp/callcenter-test"))
    data_dir.mkdir(parents=True, exist_ok=True)
    return Settings(
        data_dir=data_dir,
        sandbox_name="test",
        ami_port=15038,
        sandbox_sip_port=15060,
        fastagi_port=14573,
        http_port=18080,
    )
