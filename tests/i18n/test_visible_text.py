"""No user-visible English outside _()/{% trans %} in the templates, nor outside t()/tn() in
the page scripts (tests.helpers.visible_text says what counts as visible)."""
from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import Environment

from tests.helpers.visible_text import untranslated_script_text, untranslated_template_text

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "agent_console" / "templates"
STATIC = ROOT / "agent_console" / "static"
CODE_LITERALS: dict[str, frozenset[str]] = {
    # the after-call gate's pause reason code
    "console.js": frozenset({"after-call work"}),
    "wallboard.js": frozenset({"after-call work"}),
}
"""Per script, literals that read as words but are code."""


def checked(folder: Path, pattern: str) -> list[Path]:
    return sorted(folder.glob(pattern))


@pytest.mark.parametrize("path", checked(TEMPLATES, "*.html"), ids=lambda p: p.name)
def test_templates_show_only_translated_text(path: Path) -> None:
    environment = Environment(extensions=["jinja2.ext.i18n"])
    found = untranslated_template_text(path.read_text("utf-8"), environment)
    assert not found, f"{path.name}: wrap in {{{{ _(...) }}}}:\n" + "\n".join(map(str, found))


@pytest.mark.parametrize("path", checked(STATIC, "*.js"), ids=lambda p: p.name)
def test_scripts_show_only_translated_text(path: Path) -> None:
    found = untranslated_script_text(path.read_text("utf-8"), CODE_LITERALS.get(path.name, frozenset()))
    assert not found, f"{path.name}: wrap in t()/tn():\n" + "\n".join(map(str, found))


def test_the_template_check_finds_english_and_passes_translated_text() -> None:
    environment = Environment(extensions=["jinja2.ext.i18n"])
    bad = ('<title>Log in</title><p>{{ n }} calls</p><input placeholder="Number" value="Go">'
           '<b title="Help" aria-label="Close"></b><img alt="Logo">')
    good = ('<title>{{ _("Log in") }}</title><p>{% trans n=n %}{{ n }} calls{% endtrans %} · 5 —</p>'
            '<input type="hidden" value="csrf"><input value="{{ username }}">'
            '<script>const x = "not checked here";</script><!-- a comment -->'
            '<b title="{{ _(\'Help\') }}">{{ user.name }}</b>')
    assert [f.text for f in untranslated_template_text(bad, environment)] == [
        "Log in", "{…} calls", "placeholder=Number", "value=Go", "aria-label=Close",
        "title=Help", "alt=Logo"]
    assert untranslated_template_text(good, environment) == []


def test_the_script_check_finds_english_and_passes_code() -> None:
    bad = """
      $("state").textContent = "Ringing";
      el("p", {class: "muted"}, "none");
      say("Logged in to " + queues.join(", "));
      box.title = ok ? "Saved" : "Failed";
      throw new Error(`${path}: HTTP ${status}`);
      const LABELS = {on_call: "on call"};
      node.setAttribute("aria-label", "Close");
    """
    good = """
      "use strict";
      $("state").textContent = t("Ringing");
      el("p", {class: "muted small"}, tn("{n} call", "{n} calls", n));
      if (agent.state === "on call") document.querySelector(".tile .value").hidden = true;
      switch (kind) { case "logged out": break; }
      node.className = "state s-" + state;
      fetch("/api/x", {method: "PUT", headers: {"Content-Type": "application/json"}});
      node.setAttribute("data-state", "on hold");
      const text = t("Calls {n}", {n: fmt.number(n)});
    """
    assert [f.text for f in untranslated_script_text(bad)] == [
        "Ringing", "none", "Logged in to ", "Saved", "Failed", "${…}: HTTP ${…}", "on call",
        "Close"]
    assert untranslated_script_text(good) == []
