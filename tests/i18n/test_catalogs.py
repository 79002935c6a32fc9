"""The catalogs against the source: every string the screens show, extracted afresh (as
``callcenter i18n extract`` does), has a translation in every language, neither empty nor
fuzzy, with the same placeholders as its English."""
from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog

import agent_console.wiring  # noqa: F401  (loads every module that defines a domain error)
import ctiserver.server  # noqa: F401
from agent_console.catalogs import ERROR_KEYWORDS, extract
from agent_console.i18n import MESSAGES, SCRIPTS, read_catalog, script_messages, translated_codes
from callcenter.errors import DomainError

PLACEHOLDERS = re.compile(r"\{\w+(?::[^}]*)?\}|%\(\w+\)s")


def strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def english(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def problems(template: Catalog, catalog: Catalog) -> list[str]:
    found = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None:
            found.append(f"missing: {message.id!r}")
        elif translated.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not all(strings(translated)):
            found.append(f"untranslated: {message.id!r}")
        elif any(set(PLACEHOLDERS.findall(text)) != set(PLACEHOLDERS.findall(english(message)[-1]))
                 for text in strings(translated)):
            found.append(f"placeholders differ: {message.id!r} -> {translated.string!r}")
    return found


def test_simplified_chinese_is_there() -> None:
    assert "zh_CN" in translated_codes()


@pytest.mark.parametrize("code", translated_codes())
@pytest.mark.parametrize("domain", [MESSAGES, SCRIPTS])
def test_every_string_of_the_source_is_translated(domain: str, code: str) -> None:
    template = extract(domain)
    assert len(template) > 10, f"nothing extracted for {domain}?"
    found = problems(template, read_catalog(code, domain))
    assert not found, (f"{code}/{domain}: run `callcenter i18n extract`, then translate "
                       f"agent_console/locale/{code}/LC_MESSAGES/{domain}.po:\n" + "\n".join(found))


def every_subclass(kind: type) -> set[type]:
    return {sub for direct in kind.__subclasses__() for sub in {direct, *every_subclass(direct)}}


def test_every_domain_error_is_an_extraction_keyword() -> None:
    """Babel finds an error's template only when its class name is a keyword."""
    names = {kind.__name__ for kind in every_subclass(DomainError)}
    assert names <= set(ERROR_KEYWORDS), f"add to ERROR_KEYWORDS: {sorted(names - set(ERROR_KEYWORDS))}"


def test_the_script_catalog_has_plurals_as_arrays_and_leaves_fuzzy_out() -> None:
    catalog = Catalog(locale="zh_CN")
    catalog.add(("{n} call", "{n} calls"), ("{n} 通电话",))
    catalog.add("Ringing", "振铃中")
    catalog.add("Hold", "保持", flags=["fuzzy"])
    catalog.add("Unhold", "")
    assert script_messages(catalog) == {"{n} call": ["{n} 通电话"], "Ringing": "振铃中"}
