"""A flow's diagram (pure): nodes in layers from the start, edges labelled with their key or
condition, unreachable nodes apart and marked, and so are sensitive ones."""
from __future__ import annotations

from ivr.diagram import GAP_X, NODE_WIDTH, depths, diagram
from ivr.flowfile import parse_flow

FLOW = """\
name: 张伟
start: menu
nodes:
  menu:
    type: menu
    prompt: {sound: beep}
    choices: {1: find, 2: bye}
    on_failure: bye
  find: {type: lookup, record: customer, into: customer, found: agent, not_found: bye}
  agent: {type: queue, queue: support}
  bye: {type: hangup}
  orphan: {type: play, prompt: {text: "Jürgen 😀"}, next: menu}
"""


def test_nodes_are_layered_by_their_distance_from_the_start() -> None:
    flow = parse_flow(FLOW, "t.yaml")
    assert depths(flow) == {"menu": 0, "find": 1, "bye": 1, "agent": 2}
    placed = {node.name: (node.x, node.y, node.reachable) for node in diagram(flow).nodes}
    column = NODE_WIDTH + GAP_X
    assert placed["menu"][:2] == (0, 0) and placed["find"][0] == placed["bye"][0] == column
    assert placed["find"][1] != placed["bye"][1]
    assert placed["agent"][0] == 2 * column
    assert placed["orphan"] == (3 * column, 0, False)
    assert all(reachable for name, (_, _, reachable) in placed.items() if name != "orphan")


def test_edges_carry_the_key_or_the_condition_that_takes_them() -> None:
    drawn = diagram(parse_flow(FLOW, "t.yaml"))
    assert [(e.source, e.target, e.label) for e in drawn.edges] == [
        ("menu", "find", "1"), ("menu", "bye", "2"), ("menu", "bye", "on_failure"),
        ("find", "agent", "found"), ("find", "bye", "not_found"), ("orphan", "menu", "")]
    assert drawn.width == 4 * (NODE_WIDTH + GAP_X) - GAP_X
    kinds = {node.name: (node.kind, node.detail) for node in drawn.nodes}
    assert kinds["agent"] == ("queue", "support") and kinds["find"] == ("lookup", "customer")


def test_a_condition_s_else_reads_else() -> None:
    flow = parse_flow("""\
name: c
start: check
nodes:
  check: {type: condition, field: customer.vip, equals: true, then: a, else: b}
  a: {type: hangup}
  b: {type: hangup}
""", "c.yaml")
    assert [e.label for e in diagram(flow).edges] == ["then", "else"]


def test_a_sensitive_node_is_marked() -> None:
    flow = parse_flow(FLOW.replace(
        "  agent: {type: queue, queue: support}\n",
        "  agent: {type: collect, prompt: {sound: beep}, into: card, sensitive: true, next: bye}\n"),
        "t.yaml")
    assert [node.name for node in diagram(flow).nodes if node.sensitive] == ["agent"]
