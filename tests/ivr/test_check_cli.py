"""`callcenter ivr check FILE...`: flow files checked as the CTI server loads them, before they
are deployed; each problem as FILE:LINE: REASON, exit status 1 on any. And a running server
reads its flows folder again on SIGHUP."""
from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from callcenter.cli import main, reload_flows_on_sighup
from tests.helpers.ivrflows import HOLIDAY, SUPPORT


def _files(folder: Path, **texts: str) -> list[str]:
    for name, text in texts.items():
        (folder / f"{name}.yaml").write_text(text, "utf-8")
    return [str(folder / f"{name}.yaml") for name in texts]


def test_good_files_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "check", *_files(tmp_path, support=SUPPORT, holiday=HOLIDAY)]) == 0
    assert capsys.readouterr().out == "2 flows without a problem: holiday line, support; 0 problems\n"


def test_each_problem_is_printed_with_its_file_and_line(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    broken = SUPPORT.replace("timeout: 4", "timeout: 400").replace("name: support", "name: 张伟 😀")
    files = _files(tmp_path, broken=broken, support=SUPPORT)  # support's goto: no such flow here
    missing = tmp_path / "missing.yaml"
    assert main(["ivr", "check", *files, str(missing)]) == 1
    lines = SUPPORT.splitlines()
    assert capsys.readouterr().out.splitlines() == [
        f"{missing}:1: cannot be read: [Errno 2] No such file or directory: '{missing}'",
        f"{files[0]}:{lines.index('    timeout: 4') + 1}: nodes.menu.menu.timeout:"
        " Input should be less than or equal to 60",
        f"{files[1]}:{lines.index('    flow: holiday line') + 1}: nodes.holiday.flow:"
        " flow 'holiday line' does not exist",
        f"{files[1]}:{len(lines)}: nodes.other.flow: flow 'holiday line' does not exist",
        "0 flows without a problem: none; 4 problems"]


def test_without_files_the_flows_folder_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ivr", "check"]) == 0
    assert capsys.readouterr().out == "2 flows without a problem: hotline, survey; 0 problems\n"


@pytest.mark.asyncio
async def test_sighup_reloads_the_flows() -> None:
    reloaded = asyncio.Event()

    async def load() -> None:
        reloaded.set()

    reload_flows_on_sighup(load)
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        await asyncio.wait_for(reloaded.wait(), 5)
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
