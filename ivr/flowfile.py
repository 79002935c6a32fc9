"""Flow files (pure: text in, flows out): YAML, checked on load; every problem names the file,
the line and the reason (``FlowError``).

The YAML is composed first, so each value keeps the line it was written on; pydantic's error
locations are walked back through that tree. Mapping keys are taken as written (``1:`` is the
key "1", not a number) and a key written twice is an error rather than silently the last one.
"""
from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import dataclass

import yaml
from pydantic import ValidationError

from ivr.flow import Flow, Goto, Path, Queue


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


class FlowError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _Loader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        data = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else self.construct_object(key_node)
            if key in data:
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key!r} is written twice in this mapping", key_node.start_mark)
            data[key] = self.construct_object(value_node, deep=deep)
        return data


@dataclass(frozen=True, slots=True)
class _Document:
    source: str
    root: yaml.Node

    def line(self, path: Path) -> int:
        """The line of the deepest key (or list item) on ``path``; segments not in the YAML,
        such as a node type's tag in pydantic's locations, are passed over."""
        node = at = self.root
        for segment in path:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == str(segment)), None)
                if pair is not None:
                    at, node = pair
            elif isinstance(node, yaml.SequenceNode) and isinstance(segment, int) and segment < len(node.value):
                at = node = node.value[segment]
        return at.start_mark.line + 1

    def problem(self, path: Path, reason: str) -> Problem:
        where = ".".join(str(part) for part in path)
        return Problem(self.source, self.line(path), f"{where}: {reason}" if where else reason)


def _load(text: str, source: str) -> tuple[_Document, object]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise FlowError([Problem(source, 1, "the file holds no flow")])
        return _Document(source, root), loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise FlowError([Problem(source, mark.line + 1 if mark else 1, exc.problem or str(exc))]) from None
    finally:
        loader.dispose()


def parse_flow(text: str, source: str) -> Flow:
    """One flow file's text (``source`` names it in errors)."""
    return _parse(text, source)[1]


def _parse(text: str, source: str) -> tuple[_Document, Flow]:
    document, data = _load(text, source)
    try:
        flow = Flow.model_validate(data)
    except ValidationError as exc:
        raise FlowError([_validation_problem(document, error) for error in exc.errors()]) from None
    problems = [document.problem(path, reason) for path, reason in flow.problems()]
    if problems:
        raise FlowError(problems)
    return document, flow


def _validation_problem(document: _Document, error: dict) -> Problem:
    path = error["loc"]
    if error["type"] == "union_tag_invalid":
        path = (*path, "type")  # the node's type is what is wrong
    return document.problem(path, error["msg"].removeprefix("Value error, "))


def parse_flows(files: Iterable[tuple[str, str]]) -> dict[str, Flow]:
    """Flows by name from (source, text) pairs: each checked alone, then the names across them
    (unique; every ``goto`` and survey leads to one of them). All problems of all files at once."""
    flows, problems = sort_flows(files)
    if problems:
        raise FlowError(problems)
    return flows


def sort_flows(files: Iterable[tuple[str, str]]) -> tuple[dict[str, Flow], list[Problem]]:
    """As ``parse_flows``, but the good flows are kept: (the flows that work, the problems of
    the others). A flow defined twice keeps its first file; a flow whose ``goto`` (or a queue's
    ``survey``) leads to a flow that is missing or broken is left out too."""
    parsed: list[tuple[_Document, Flow]] = []
    problems: list[Problem] = []
    for source, text in files:
        try:
            parsed.append(_parse(text, source))
        except FlowError as exc:
            problems += exc.problems
    flows: dict[str, tuple[_Document, Flow]] = {}
    for document, flow in parsed:
        if flow.name in flows:
            problems.append(document.problem(("name",), f"flow {flow.name!r} is defined twice"))
        else:
            flows[flow.name] = (document, flow)
    problems += [document.problem(path, f"flow {target!r} does not exist")
                 for document, flow in parsed for path, target in _missing_flows(flow, flows)]
    kept = {name: pair for name, pair in flows.items() if not _missing_flows(pair[1], flows)}
    while left_out := [pair for pair in kept.values() if _missing_flows(pair[1], kept)]:
        problems += [document.problem(path, f"flow {target!r} is left out")
                     for document, flow in left_out for path, target in _missing_flows(flow, kept)]
        kept = {name: pair for name, pair in kept.items() if pair not in left_out}
    return {name: flow for name, (_, flow) in kept.items()}, problems


def _missing_flows(flow: Flow, flows: Container[str]) -> list[tuple[Path, str]]:
    """(path, flow) of each flow named (a ``goto``, a queue's ``survey``) not in ``flows``."""
    named = [(("nodes", name, "flow"), node.flow) for name, node in flow.nodes.items()
             if isinstance(node, Goto)]
    named += [(("nodes", name, "survey"), node.survey) for name, node in flow.nodes.items()
              if isinstance(node, Queue) and node.survey is not None]
    return [(path, target) for path, target in named if target not in flows]
