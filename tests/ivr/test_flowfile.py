"""Flow files: loaded into flows, or rejected with the file, the line and the reason."""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr.flow import Menu, Prompt
from ivr.flowfile import FlowError, parse_flow, parse_flows, sort_flows
from tests.helpers.ivrflows import HOLIDAY, SUPPORT


def test_the_support_flow_loads() -> None:
    flows = parse_flows([("support.yaml", SUPPORT), ("holiday.yaml", HOLIDAY)])
    menu = flows["support"].nodes["menu"]
    assert isinstance(menu, Menu) and menu.choices == {
        "1": "account", "2": "ticket", "3": "speech", "0": "other"}  # keys as written
    assert flows["support"].nodes["welcome"].prompt == Prompt(text="Welcome, Jürgen 张伟 😀")


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(FlowError) as caught:
        parse_flow(text, "bad.yaml")
    assert all(p.source == "bad.yaml" for p in caught.value.problems)
    assert str(caught.value).startswith("bad.yaml:")
    return [(p.line, p.reason) for p in caught.value.problems]


def broken(old: str, new: str) -> str:
    assert old in SUPPORT, old
    return SUPPORT.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "at", "reason"), [
    ("    timeout: 4\n", "    timeout: 400\n", "timeout: 400", "nodes.menu.menu.timeout: Input should be less"),
    ("    retries: 2\n", "    retires: 2\n", "retires", "nodes.menu.menu.retires: Extra inputs are not permitted"),
    ("    type: play\n", "    type: ply\n", "type: ply", "does not match any of the expected tags"),
    ("prompt: {file: main-menu}", "prompt: {file: main-menu, sound: beep}", "prompt: {file: main-menu,",
     "a prompt is exactly one of file, sound, text"),
    ("{1: account, 2: ticket,", "{1: account, 12: ticket,", "choices:", "choice '12' is not a key"),
    ("    next: find_account\n", "    next: find_acount\n", "next: find_acount",
     "nodes.account.next: node 'find_acount' does not exist"),
    ("start: language", "start: langauge", "start:", "start node 'langauge' does not exist"),
    ("    min_digits: 4\n", "    min_digits: 9\n", "  account:", "min_digits is more than max_digits"),
    ("    equals: true\n", "    equals: true\n    exists: true\n", "  is_vip:", "exactly one of equals"),
    ("    by: data\n    key: account\n", "", "  find_account:", "a account is looked up by data"),
    ("    queue: support\n", "", "  operator:", "nodes.operator.queue.queue: Field required"),
    ("    min_digits: 4\n", "    min_digits: 4\n    sensitive: perhaps\n", "sensitive: perhaps",
     "nodes.account.collect.sensitive: Input should be a valid boolean"),
], ids=["range", "typo", "type", "prompt", "choice", "target", "start", "digits", "condition",
        "lookup", "missing", "sensitive"])
def test_a_wrong_value_is_reported_at_its_line(old: str, new: str, at: str, reason: str) -> None:
    text = broken(old, new)
    [(line, why)] = problems(text)
    assert line == line_of(text, at) and reason in why, (line, why)


def test_yaml_syntax_and_duplicate_keys() -> None:
    assert problems("name: x\nstart: a\nnodes:\n  a: {type: hangup\n") == [
        (5, "expected ',' or '}', but got '<stream end>'")]
    text = broken("  account:\n", "  bye:\n    type: hangup\n  account:\n")
    assert problems(text) == [(line_of(SUPPORT, "  bye:") + 2, "'bye' is written twice in this mapping")]
    assert problems("") == [(1, "the file holds no flow")]
    assert problems("- just\n- a list\n") == [(1, "Input should be a valid dictionary or instance of Flow")]


def test_every_problem_of_every_file_at_once() -> None:
    bad_goto = HOLIDAY.replace("  box:\n    type: voicemail\n    mailbox: support\n",
                               "  box:\n    type: goto\n    flow: nowhere\n")
    with pytest.raises(FlowError) as caught:
        parse_flows([("support.yaml", broken("    timeout: 4\n", "    timeout: -1\n")),
                     ("holiday.yaml", bad_goto), ("again.yaml", bad_goto)])
    found = [(p.source, p.line, p.reason) for p in caught.value.problems]
    goto_line = line_of(bad_goto, "flow: nowhere")
    assert found == [
        ("support.yaml", line_of(SUPPORT, "timeout: 4"), "nodes.menu.menu.timeout: Input should be greater than 0"),
        ("again.yaml", 1, "name: flow 'holiday line' is defined twice"),
        ("holiday.yaml", goto_line, "nodes.box.flow: flow 'nowhere' does not exist"),
        ("again.yaml", goto_line, "nodes.box.flow: flow 'nowhere' does not exist"),
    ]


def test_the_readme_example_loads() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme[readme.index("## IVR flows"):]
    example = section[section.index("```yaml\n") + 8:section.index("```\n", section.index("```yaml"))]
    assert parse_flows([("README.md", example)])["support"].start == "language"


def test_sorting_keeps_the_flows_that_work() -> None:
    bad_goto = HOLIDAY.replace("  box:\n    type: voicemail\n    mailbox: support\n",
                               "  box:\n    type: goto\n    flow: nowhere\n")
    broken_one = broken("    timeout: 4\n", "    timeout: -1\n").replace("name: support",
                                                                       "name: broken")
    flows, found = sort_flows([("support.yaml", SUPPORT), ("holiday.yaml", bad_goto),
                               ("broken.yaml", broken_one), ("again.yaml", HOLIDAY)])
    assert flows == {}  # holiday leads nowhere, support leads to holiday
    assert [(p.source, p.reason) for p in found] == [
        ("broken.yaml", "nodes.menu.menu.timeout: Input should be greater than 0"),
        ("again.yaml", "name: flow 'holiday line' is defined twice"),
        ("holiday.yaml", "nodes.box.flow: flow 'nowhere' does not exist"),
        ("support.yaml", "nodes.holiday.flow: flow 'holiday line' is left out"),
        ("support.yaml", "nodes.other.flow: flow 'holiday line' is left out"),
    ]
    flows, found = sort_flows([("support.yaml", SUPPORT), ("holiday.yaml", HOLIDAY),
                               ("broken.yaml", broken_one)])
    assert sorted(flows) == ["holiday line", "support"]
    assert [p.source for p in found] == ["broken.yaml"]


def test_a_survey_names_a_flow_that_exists() -> None:
    text = "name: q\nstart: a\nnodes:\n  a: {type: queue, queue: support, survey: nowhere}\n"
    with pytest.raises(FlowError) as caught:
        parse_flows([("q.yaml", text)])
    assert [(p.line, p.reason) for p in caught.value.problems] == [
        (4, "nodes.a.survey: flow 'nowhere' does not exist")]
