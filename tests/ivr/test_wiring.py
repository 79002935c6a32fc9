"""The IVR's flows folder: the shipped example flows load; a broken file is logged with its
file, line and reason, and the other flows still run."""
from __future__ import annotations

import logging
from pathlib import Path

from callcenter.settings import Settings
from ivr.wiring import read_flows
from tests.helpers.ivrflows import HOLIDAY, SUPPORT


def test_the_shipped_flows_load_without_a_problem(caplog) -> None:
    flows = read_flows(Settings().ivr_flows_dir)
    assert sorted(flows) == ["hotline", "survey"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert flows["hotline"].nodes["agent"].survey == "survey"


def test_a_broken_file_is_logged_and_left_out(tmp_path: Path, caplog) -> None:
    (tmp_path / "support.yaml").write_text(SUPPORT, "utf-8")
    (tmp_path / "holiday.yaml").write_text(HOLIDAY, "utf-8")
    (tmp_path / "broken.yaml").write_text(
        "name: broken\nstart: a\nnodes:\n  a: {type: hangup, bad: 1}\n", "utf-8")
    (tmp_path / "notes.txt").write_text("not a flow", "utf-8")
    flows = read_flows(tmp_path)
    assert sorted(flows) == ["holiday line", "support"]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [f"ivr: flow left out: {tmp_path / 'broken.yaml'}:4: "
                      "nodes.a.hangup.bad: Extra inputs are not permitted"]
