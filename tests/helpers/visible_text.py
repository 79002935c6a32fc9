"""Finding user-visible English that is not marked for translation, in the pages' jinja2
templates and in their scripts (tests/i18n).

Templates: jinja2's lexer splits the source into literal HTML and template code; the code
becomes a placeholder, ``{% trans %}`` blocks are translated text, and the HTML is parsed for
the text a person reads: text nodes (not in <script>/<style>) and the placeholder, title,
aria-label and alt attributes, and the value of inputs that are not hidden. What remains once
placeholders, punctuation, symbols, numbers and spaces are taken out is untranslated.

Scripts: tree-sitter's JavaScript grammar gives every string and template literal with its
place in the syntax tree. A literal given straight to t()/tn() is translated; one in a
non-UI place (a comparison, a switch case, an object key or a code-valued option such as
``class``, the argument of a DOM lookup, an event name, a storage key, a fetch option) is
code; any other literal is shown to a person if it reaches a UI sink (textContent, title,
placeholder, value, label, say(), alert(), el()'s children, new Error(), an aria-label or
title attribute) or reads as English words (a word of two or more letters beside a space).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser

import tree_sitter_javascript
from jinja2 import Environment
from tree_sitter import Language, Node, Parser

PLACEHOLDER = "\ue000"
"""Stands for template code (``{{ ... }}``, ``{% ... %}``) in the HTML that is checked."""
TEXT_ATTRIBUTES = frozenset({"placeholder", "title", "aria-label", "alt"})
HIDDEN_TEXT = frozenset({"script", "style"})


@dataclass(frozen=True)
class Untranslated:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text!r}"


def is_untranslated(text: str) -> bool:
    """Text with letters (not only placeholders, punctuation, symbols, numbers, spaces)."""
    return any(unicodedata.category(ch)[0] == "L" for ch in text.replace(PLACEHOLDER, ""))


# --- templates ---------------------------------------------------------------------------------


def template_html(source: str, environment: Environment) -> str:
    """The template's literal HTML, its code and {% trans %} blocks as placeholders (newlines
    kept, so lines still match the source)."""
    parts: list[str] = []
    depth, previous = 0, ""
    for _, kind, value in environment.lex(source):
        if kind == "name" and previous == "block_begin":
            depth += {"trans": 1, "endtrans": -1}.get(value, 0)
        if kind != "whitespace":
            previous = kind
        if kind == "data" and depth == 0:
            parts.append(value)
        else:  # one placeholder for a run of code
            if not parts or parts[-1] != PLACEHOLDER:
                parts.append(PLACEHOLDER)
            parts.extend("\n" * value.count("\n"))
    return "".join(parts)


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Untranslated] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in HIDDEN_TEXT:
            self.hidden += 1
        shown = {name for name in TEXT_ATTRIBUTES if name in named}
        if tag == "input" and named.get("type") != "hidden" and "value" in named:
            shown.add("value")
        for name in sorted(shown):
            self._check(f"{name}={named[name]}", named[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_TEXT:
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._check(data.strip(), data)

    def _check(self, shown: str, text: str) -> None:
        if is_untranslated(text):
            self.found.append(Untranslated(self.getpos()[0], shown.replace(PLACEHOLDER, "{…}")))


def untranslated_template_text(source: str, environment: Environment) -> list[Untranslated]:
    parser = _VisibleText()
    parser.feed(template_html(source, environment))
    parser.close()
    return parser.found


# --- scripts -----------------------------------------------------------------------------------

TRANSLATORS = frozenset({"t", "tn"})
UI_CALLS = frozenset({"say", "alert", "confirm", "prompt", "setCustomValidity", "Error"})
UI_PROPERTIES = frozenset({"textContent", "innerText", "title", "placeholder", "value", "label",
                           "alt", "ariaLabel"})
CODE_PROPERTIES = frozenset({"className", "id", "href", "src", "type", "name", "dataset",
                             "cssText", "srcObject"})
UI_ATTRIBUTES = frozenset({"title", "aria-label", "placeholder", "alt"})
CODE_CALLS = frozenset({
    "querySelector", "querySelectorAll", "closest", "matches", "getElementById", "$",
    "createElement", "addEventListener", "removeEventListener", "dispatchEvent", "fetch",
    "getItem", "setItem", "removeItem", "get", "has", "set", "delete", "add", "remove", "toggle",
    "contains", "startsWith", "endsWith", "includes", "split", "indexOf", "padStart",
    "getAttribute", "hasAttribute", "removeAttribute", "on", "WebSocket", "Event",
})
CODE_KEYS = frozenset({"class", "className", "type", "method", "credentials", "mode", "headers",
                       "Content-Type", "X-CSRF-Token", "id", "name", "role", "hour", "minute",
                       "second", "dateStyle", "timeStyle", "timeZone", "user_agent", "for"})
COMPARISONS = frozenset({"===", "!==", "==", "!="})
FLOWS = frozenset({"parenthesized_expression", "ternary_expression", "binary_expression",
                   "template_substitution", "template_string", "array", "spread_element",
                   "sequence_expression"})
"""Where a literal's value flows on towards where it is used."""
ENGLISH = re.compile(r"[A-Za-z]{2,} |\s[A-Za-z]{2,}")


def _parser() -> Parser:
    return Parser(Language(tree_sitter_javascript.language()))


def _literals(node: Node) -> Iterator[Node]:
    if node.type in ("string", "template_string"):
        yield node
    for child in node.children:
        if child.type not in ("string", "template_string") or node.type not in (
                "string", "template_string"):
            yield from _literals(child)


def literal_text(node: Node) -> str:
    """The literal's characters, each ${...} of a template as a placeholder."""
    parts = []
    for child in node.children:
        if child.type in ("string_fragment", "escape_sequence"):
            parts.append(child.text.decode("utf-8"))
        elif child.type == "template_substitution":
            parts.append(PLACEHOLDER)
    return "".join(parts)


def _callee(call: Node) -> str:
    function = call.child_by_field_name("function") or call.child_by_field_name("constructor")
    if function is None:
        return ""
    if function.type == "member_expression":
        function = function.child_by_field_name("property")
    return function.text.decode("utf-8")


def _argument_index(arguments: Node, node: Node) -> int:
    return [child.id for child in arguments.named_children].index(node.id)


def _destination(node: Node) -> tuple[Node, Node]:
    """(where the literal's value ends up, the node directly below it there)."""
    while node.parent is not None and node.parent.type in FLOWS:
        parent = node.parent
        if parent.type == "binary_expression" and (
                parent.child_by_field_name("operator").type in COMPARISONS):
            return parent, node
        if parent.type == "ternary_expression" and (
                parent.child_by_field_name("condition").id == node.id):
            return parent, node
        node = parent
    return node.parent, node


def _call_context(call: Node, argument: Node, direct: bool) -> str | None:
    name = _callee(call)
    if direct and name in TRANSLATORS:
        return "translated"
    if name in CODE_CALLS:
        return "code"
    if name == "setAttribute":
        index = _argument_index(call.child_by_field_name("arguments"), argument)
        attribute = call.child_by_field_name("arguments").named_children[0]
        return "ui" if index == 1 and literal_text(attribute) in UI_ATTRIBUTES else "code"
    if name in UI_CALLS:
        return "ui"
    if name == "el":
        index = _argument_index(call.child_by_field_name("arguments"), argument)
        return "ui" if index >= 2 else "code"
    return None


def literal_context(literal: Node) -> str | None:
    """"translated", "code", "ui" (reaches a UI sink), or None (elsewhere)."""
    place, below = _destination(literal)
    direct = below.id == literal.id
    if place is None:
        return None
    kind = place.type
    if kind in ("binary_expression", "switch_case", "subscript_expression",
                "import_statement", "ternary_expression", "expression_statement"):
        # a comparison, a case, an index, a condition, a directive ("use strict")
        return "code"
    if kind == "pair":
        key = place.child_by_field_name("key")
        key_name = literal_text(key) if key.type == "string" else key.text.decode("utf-8")
        return "code" if key.id == below.id or key_name in CODE_KEYS else None
    if kind == "arguments":
        return _call_context(place.parent, below, direct)
    if kind in ("assignment_expression", "augmented_assignment_expression"):
        target = place.child_by_field_name("left")
        if target.type == "member_expression":
            prop = target.child_by_field_name("property").text.decode("utf-8")
            if prop in UI_PROPERTIES:
                return "ui"
            return "code" if prop in CODE_PROPERTIES else None
    return None


def untranslated_script_text(source: str, allowed: frozenset[str] = frozenset()) -> list[Untranslated]:
    """The literals of a page script that a person would read untranslated (``allowed``: the
    texts known to be code)."""
    tree = _parser().parse(source.encode("utf-8"))
    found = []
    for literal in _literals(tree.root_node):
        text = literal_text(literal)
        if text in allowed or not is_untranslated(text):
            continue
        context = literal_context(literal)
        if context == "ui" or (context is None and ENGLISH.search(text.replace(PLACEHOLDER, " "))):
            found.append(Untranslated(literal.start_point[0] + 1, text.replace(PLACEHOLDER, "${…}")))
    return found
