"""The flows folder and the uploaded prompts, as the admin API changes them (adapter, blocking:
run in an executor). A flow given as data is checked as its file would be, next to the other
files of the folder (a ``goto`` must lead to one of them), and written as ``NAME.yaml`` whole
or not at all; an uploaded prompt is converted once to what Asterisk plays (8 kHz mono WAV)."""
from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import yaml

from callcenter.errors import Conflict, Invalid, NotFound
from ivr.audiofiles import AudioError, write_asterisk_wav, write_atomically
from ivr.flow import Flow
from ivr.flowfile import FlowError, Problem, parse_flow, sort_flows

NAME = re.compile(r"[\w-]{1,64}")
"""A flow's or a prompt's name: also its file's, so no dots or slashes."""
CONVERT_SECONDS = 60


def _refused(problems: list[Problem]) -> Invalid:
    """A flow the folder would not run: each problem with its file, line, path and reason."""
    return Invalid("the flow is refused:\n{problems}", problems="\n".join(map(str, problems)))


def checked_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise Invalid("{name!r} is not a name: letters, digits, - and _ only", name=name)
    return name


def flow_yaml(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def flow_data(flow: Flow) -> dict:
    """The flow as it was written (fields left to their defaults stay out)."""
    return flow.model_dump(mode="json", by_alias=True, exclude_unset=True)


def flow_text(folder: Path, flow: Flow) -> str:
    """Its file's text, or (a flow from elsewhere) its data as YAML."""
    path = folder / f"{flow.name}.yaml"
    return path.read_text(encoding="utf-8") if path.is_file() else flow_yaml(flow_data(flow))


def read_flow_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, str]], list[Problem]]:
    """Blocking: each file's text, and a problem for each that cannot be read (gone, not
    UTF-8): the flows of the others still run."""
    files: list[tuple[Path, str]] = []
    unread: list[Problem] = []
    for path in paths:
        try:
            files.append((path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            unread.append(Problem(str(path), 1, f"cannot be read: {exc}"))
    return files, unread


def check_flow_files(paths: Iterable[Path]) -> tuple[dict[str, Flow], list[Problem]]:
    """Blocking: the flows of these files that work, and every problem (file, line, reason)
    of the others, a file that cannot be read among them."""
    files, unread = read_flow_files(paths)
    flows, problems = sort_flows([(str(path), text) for path, text in files])
    return flows, unread + problems


def _folder_files(folder: Path) -> list[tuple[str, str]]:
    """The readable flow files of ``folder`` by file name (as the server runs them)."""
    return [(path.name, text) for path, text in read_flow_files(sorted(folder.glob("*.yaml")))[0]]


def check_flow(folder: Path, name: str, data: dict) -> tuple[Flow, str]:
    """The flow ``data`` would be as ``NAME.yaml`` in ``folder``, and that file's text; Invalid
    with each problem's file, line, path and reason."""
    text, source = flow_yaml(data), f"{checked_name(name)}.yaml"
    others = [(file, content) for file, content in _folder_files(folder) if file != source]
    try:
        flow = parse_flow(text, source)
    except FlowError as exc:
        raise _refused(exc.problems) from None
    if flow.name != name:
        raise Invalid("the flow is named {flow!r}, not {name!r}", flow=flow.name, name=name)
    flows, problems = sort_flows([*others, (source, text)])
    own = [problem for problem in problems if problem.source == source]
    if own or name not in flows:
        raise _refused(own or [Problem(source, 1, f"flow {name!r} is left out")])
    return flow, text


def save_flow(folder: Path, name: str, data: dict) -> Flow:
    flow, text = check_flow(folder, name, data)
    write_atomically(folder / f"{name}.yaml", text.encode())
    return flow


def delete_flow(folder: Path, name: str) -> None:
    """Conflict while other flows lead to it (a ``goto``, a queue's ``survey``): they would
    stop running with it."""
    path = folder / f"{checked_name(name)}.yaml"
    if not path.is_file():
        raise NotFound("no flow file {name}.yaml", name=name)
    files = _folder_files(folder)
    running = set(sort_flows(files)[0])
    left = set(sort_flows([(source, text) for source, text in files if source != path.name])[0])
    if stopped := running - left - {name}:
        raise Conflict("other flows lead to {name} ({flows}): change them first",
                       flows=", ".join(sorted(stopped)), name=name)
    path.unlink()


def save_prompt(folder: Path, name: str, audio: bytes) -> Path:
    """``NAME.wav`` in ``folder``, converted by ffmpeg from any audio it reads; flows play it
    as ``prompt: {file: NAME}``."""
    target = folder / f"{checked_name(name)}.wav"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as work:
        given = Path(work) / "upload"
        given.write_bytes(audio)  # a file, not a pipe: some containers need seeking
        try:
            write_asterisk_wav(target, ["-i", str(given)], b"", timeout=CONVERT_SECONDS)
        except AudioError:
            raise Invalid("the file is not audio ffmpeg can read") from None
    return target
