"""The test tree's own rules: helpers live in tests/helpers and are imported from there (never
from a conftest or another test module); conftest files hold fixtures (and pytest hooks) only;
no test leans on aiohttp's private modules; no fixed sleep stands in for waiting on an event."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent

SLEEPS_KEPT = {
    "tests/cti/test_collected.py": "sleep(0): a fake FastAGI session yields as real I/O would",
    "tests/integration/test_acd_statistics.py": "the scenario's pacing (gaps between placed "
    "calls, an agent's pause during them)",
}
"""Where asyncio.sleep / time.sleep may be called, and why."""


def sources() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "data" not in p.relative_to(TESTS).parts)


def name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text("utf-8"), str(path))


def imported(path: Path) -> list[str]:
    """Every module PATH imports (relative imports resolved)."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append(module)
            found += [f"{module}.{alias.name}" for alias in node.names
                      if alias.name.startswith("_")]
    return found


def allowed(path: Path, module: str) -> bool:
    if not (module == "tests" or module.startswith("tests.")):
        return True
    places = ["tests.helpers"]
    if path.name == "conftest.py" or path.parent.name == "fixtures":
        places.append("tests.fixtures")  # fixtures are registered where they are imported
    return any(module == p or module.startswith(p + ".") for p in places)


@pytest.mark.parametrize("path", sources(), ids=name)
def test_tests_import_helpers_from_tests_helpers_only(path: Path) -> None:
    wrong = [m for m in imported(path) if not allowed(path, m)]
    assert not wrong, f"{name(path)} imports {wrong}: helpers belong in tests/helpers"


@pytest.mark.parametrize("path", sorted(TESTS.rglob("conftest.py")), ids=name)
def test_conftest_files_hold_only_fixtures(path: Path) -> None:
    def is_fixture(node: ast.AST) -> bool:
        return any("fixture" in ast.unparse(d) for d in node.decorator_list)

    for node in tree(path).body:
        if isinstance(node, ast.ClassDef):
            pytest.fail(f"{name(path)}: class {node.name} belongs in tests/helpers")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            assert is_fixture(node) or node.name.startswith("pytest_"), (
                f"{name(path)}: {node.name} is no fixture: it belongs in tests/helpers")


@pytest.mark.parametrize("path", sources(), ids=name)
def test_no_private_aiohttp_modules(path: Path) -> None:
    private = [m for m in imported(path) if m.startswith("aiohttp.")
               and any(part.startswith("_") for part in m.split("."))]
    assert not private, f"{name(path)} imports aiohttp's private {private}"


@pytest.mark.parametrize("path", [p for p in sources() if name(p) not in SLEEPS_KEPT], ids=name)
def test_no_fixed_sleeps(path: Path) -> None:
    sleeps = [node.lineno for node in ast.walk(tree(path)) if isinstance(node, ast.Call)
              and ast.unparse(node.func) in ("asyncio.sleep", "time.sleep", "sleep")]
    assert not sleeps, (f"{name(path)} sleeps on lines {sleeps}: wait for the event that "
                        "brings what the test expects (tests.helpers.waiting), failing on a timeout")
