"""Imports point one way: pure logic < adapters < wiring < the command line, and no circles.

Every module of the product has a layer (``LAYERS``, by module name; a new module must be
placed). A module imports only modules of its own layer or below; pure modules import no I/O
library; the settings object is read only by wiring and the command line, which pass values
down; production code never imports the Asterisk sandbox (demo and tests only).
"""
from __future__ import annotations

import ast
import fnmatch
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agent_console", "asterisk_conf", "callcenter", "crm_core", "ctiserver", "dialer", "ivr",
            "recordings")
PURE, ADAPTER, WIRING, CLI = 0, 1, 2, 3
NAMES = {PURE: "pure", ADAPTER: "adapter", WIRING: "wiring", CLI: "command line"}

LAYERS: list[tuple[str, int]] = [  # first match wins
    ("callcenter.cli", CLI),
    ("recordings.__main__", CLI),
    ("callcenter.settings", WIRING),
    ("callcenter.runtime", WIRING),
    ("callcenter.demo", WIRING),
    ("callcenter.errors", PURE),
    ("*.wiring", WIRING),
    ("ctiserver.server", WIRING),
    ("asterisk_conf.sandbox", WIRING),
    ("asterisk_conf.simulation", WIRING),
    ("asterisk_conf.scenarios", WIRING),
    ("asterisk_conf.record", WIRING),
    ("asterisk_conf.rawami", WIRING),
    ("asterisk_conf.holdmusic", WIRING),
    ("asterisk_conf.simvoices", WIRING),
    ("asterisk_conf.sandbox_config", WIRING),
    ("asterisk_conf.traffic", PURE),
    ("ctiserver.acd.spy", PURE),
    ("ctiserver.control.schemas", PURE),
    ("ctiserver.bus", PURE),
    ("ctiserver.agi.protocol", PURE),
    ("ctiserver.ami.stream", PURE),
    ("ctiserver.ami.events", PURE),
    ("ctiserver.ami.results", PURE),
    ("ctiserver.ami.actions", PURE),
    ("ctiserver.calls.tracker", PURE),
    ("ctiserver.acd.agentstate", PURE),
    ("ctiserver.acd.stats", PURE),
    ("ctiserver.acd.statsclock", PURE),
    ("ctiserver.acd.queue_log", PURE),
    ("ctiserver.acd.routing", PURE),
    ("ctiserver.control.channels", PURE),
    ("ctiserver.control.dialpolicy", PURE),
    ("ctiserver.web.messages", PURE),
    ("ctiserver.calls.agent_messages", PURE),
    ("ctiserver.acd.wallboard_messages", PURE),
    ("ctiserver.acd.wallboard_levels", PURE),
    ("crm_core.values", PURE),
    ("crm_core.throttling", PURE),
    ("crm_core.phones", PURE),
    ("dialer.compliance", PURE),
    ("dialer.pacing", PURE),
    ("dialer.adaptive", PURE),
    ("dialer.simulation", PURE),
    ("dialer.erlang", PURE),
    ("dialer.leadrows", PURE),
    ("dialer.phonezones", PURE),
    ("dialer.phonecheck", PURE),
    ("dialer.attempts", PURE),
    ("dialer.campaigns", PURE),
    ("dialer.report", PURE),
    ("dialer.windows", PURE),
    ("dialer.live", PURE),
    ("ivr.flow", PURE),
    ("ivr.flowfile", PURE),
    ("ivr.commands", PURE),
    ("ivr.engine", PURE),
    ("ivr.diagram", PURE),
    ("ivr.admin", ADAPTER),
    ("ivr.admin_api", ADAPTER),
    ("ivr.agirunner", ADAPTER),
    ("ivr.crmlookup", ADAPTER),
    ("recordings.policy", PURE),
    ("recordings.pauses", PURE),
    ("recordings.access", PURE),
    ("dialer.preview", PURE),
    ("ivr.tts", ADAPTER),
    ("ivr.speech", ADAPTER),
    ("ivr.store", ADAPTER),
    ("recordings.transcribed", PURE),
    ("recordings.alerts", PURE),
    ("recordings.searchtext", PURE),
    ("dialer.leadfile", ADAPTER),
    ("dialer.importpool", ADAPTER),
    ("dialer.runner", ADAPTER),
    ("dialer.crmcalls", ADAPTER),
    ("dialer.reportstore", ADAPTER),
    ("dialer.liveview", ADAPTER),
    ("*", ADAPTER),
]
SANDBOX = ("asterisk_conf.sandbox", "asterisk_conf.sandbox_config", "asterisk_conf.simulation", "asterisk_conf.scenarios",
           "asterisk_conf.record", "asterisk_conf.rawami", "asterisk_conf.holdmusic",
           "asterisk_conf.simvoices", "asterisk_conf.traffic")
IO_LIBRARIES = {"aiohttp", "alembic", "asyncio", "asyncpg", "panoramisk", "socket", "sqlalchemy",
                "subprocess", "jinja2", "migrations"}


def layer(module: str) -> int:
    path = modules().get(module)
    if path is not None and path.name == "__init__.py" and not path.read_text().strip(" \n#"):
        return PURE  # an empty package
    return next(rank for pattern, rank in LAYERS if fnmatch.fnmatchcase(module, pattern))


@functools.cache
def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path, module: str, *, top_level_only: bool) -> set[str]:
    """Names imported by the module (resolved to absolute), TYPE_CHECKING blocks aside."""
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt], nested: bool) -> None:
        for node in body:
            if _type_checking(node):
                continue
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
            if not (top_level_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    children = getattr(node, field, None)
                    if isinstance(children, list):
                        visit([c for c in children if isinstance(c, ast.AST)], nested)
    visit(tree.body, False)
    return found


def project_imports(top_level_only: bool) -> dict[str, set[str]]:
    mods = modules()
    return {name: {i for i in imports(path, name, top_level_only=top_level_only) if i in mods}
            for name, path in mods.items()}


def test_every_import_points_down():
    mods = modules()
    wrong = []
    for name, path in sorted(mods.items()):
        rank = layer(name)
        names = imports(path, name, top_level_only=False)
        for target in sorted(i for i in names if i in mods):
            if layer(target) > rank:
                wrong.append(f"{name} ({NAMES[rank]}) imports {target} ({NAMES[layer(target)]})")
            elif target in SANDBOX and name not in SANDBOX and rank < WIRING:
                wrong.append(f"{name} (production) imports the sandbox's {target}")
        if rank == PURE:
            for lib in sorted({n.split(".")[0] for n in names} & IO_LIBRARIES):
                wrong.append(f"{name} (pure) imports {lib}")
    assert not wrong, "imports that run up a layer:\n" + "\n".join(wrong)


def test_no_import_circles():
    graph = project_imports(top_level_only=True)
    # a package's own __init__ is not an edge worth a circle
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def strongconnect(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    assert not cycles, f"import circles: {cycles}"


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_has_a_layer(module):
    assert layer(module) in NAMES


def test_settings_are_read_only_at_the_top():
    """Below wiring no module takes the settings object, not even as a type: values come down."""
    wrong = []
    for name, path in sorted(modules().items()):
        if layer(name) < WIRING:
            tree = ast.parse(path.read_text("utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "callcenter.settings":
                    wrong.append(name)
    assert not wrong, f"modules below wiring that import the settings: {wrong}"
