"""A flow as a diagram (pure): its nodes in layers (the start first, each node one layer right
of the first node that leads to it), its edges labelled with the key or condition that takes
them; nodes no path from the start reaches are kept apart in a last layer, marked.
The page draws it (boxes and arrows in SVG) and adds the counts of a period."""
from __future__ import annotations

from collections import deque

from pydantic import BaseModel

from ivr.flow import Flow, Node, Path

NODE_WIDTH, NODE_HEIGHT = 210, 100
"""A node's box; the page draws it at (x, y), its top left corner."""
GAP_X, GAP_Y = 80, 28
DETAIL_FIELDS = ("queue", "calendar", "record", "mailbox", "flow", "into", "field", "say")
"""The field that says most about a node of each kind, shown under its name."""


class DiagramNode(BaseModel):
    name: str
    kind: str
    detail: str
    x: int
    y: int
    reachable: bool
    sensitive: bool = False
    """Its keys are kept out of the call's recording (a sensitive collect node)."""


class DiagramEdge(BaseModel):
    source: str
    target: str
    label: str


class Diagram(BaseModel):
    width: int
    height: int
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT
    nodes: list[DiagramNode]
    edges: list[DiagramEdge]


def edge_label(path: Path) -> str:
    """``("choices", "1")`` -> "1"; ``("found",)`` -> "found"; plain ``next`` -> ""."""
    if len(path) > 1:
        return str(path[-1])
    return "" if path[0] == "next" else str(path[0]).replace("otherwise", "else")


def _detail(node: Node) -> str:
    return next((str(getattr(node, name)) for name in DETAIL_FIELDS if hasattr(node, name)), "")


def depths(flow: Flow) -> dict[str, int]:
    """Each node the start reaches -> its breadth-first distance from the start."""
    depth = {flow.start: 0} if flow.start in flow.nodes else {}
    waiting = deque(depth)
    while waiting:
        name = waiting.popleft()
        for _, target in flow.nodes[name].targets():
            if target in flow.nodes and target not in depth:
                depth[target] = depth[name] + 1
                waiting.append(target)
    return depth


def diagram(flow: Flow) -> Diagram:
    depth = depths(flow)
    last = max(depth.values(), default=-1) + 1  # the unreached nodes' column
    columns: dict[int, list[str]] = {}
    for name in flow.nodes:
        columns.setdefault(depth.get(name, last), []).append(name)
    nodes = [DiagramNode(name=name, kind=flow.nodes[name].type, detail=_detail(flow.nodes[name]),
                         x=column * (NODE_WIDTH + GAP_X), y=row * (NODE_HEIGHT + GAP_Y),
                         reachable=name in depth,
                         sensitive=getattr(flow.nodes[name], "sensitive", False))
             for column, names in sorted(columns.items()) for row, name in enumerate(names)]
    edges = [DiagramEdge(source=name, target=target, label=edge_label(path))
             for name, node in flow.nodes.items() for path, target in node.targets()]
    tallest = max(map(len, columns.values()))
    return Diagram(width=len(columns) * (NODE_WIDTH + GAP_X) - GAP_X,
                   height=tallest * (NODE_HEIGHT + GAP_Y) - GAP_Y, nodes=nodes, edges=edges)
