"""Extracting the screens' strings from the source and refreshing the catalogs
(``callcenter i18n extract``): a .pot per domain in ``locale/`` and every language's .po
updated from it (new strings untranslated, or fuzzy when Babel finds a close old one; strings
gone from the source dropped).

- ``messages``: the Python of the product (``_``/``gettext``/``ngettext`` and the domain
  errors' templates: the error class names are keywords) and the jinja2 templates
  (``{{ _("...") }}``, ``{% trans %}``);
- ``scripts``: the page scripts ``agent_console/static/*.js`` (``t``, ``tn``).
"""
from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract as babel_extract
from babel.messages.pofile import write_po

from .i18n import LOCALE_DIR, MESSAGES, SCRIPTS, po_path, read_catalog, translated_codes

ROOT = Path(__file__).resolve().parents[1]
PYTHON_PACKAGES = ("agent_console", "callcenter", "crm_core", "ctiserver", "dialer", "ivr", "recordings")
ERROR_KEYWORDS = ("Invalid", "Forbidden", "NotFound", "Conflict", "Refused", "Broken",
                  "Unavailable", "BodyError", "AmiError", "Phrase", "Country",
                  "WorkInputError", "ScriptError")
"""callcenter.errors.DomainError and its subclasses raised with a template (a test checks
that none is missing)."""
GETTEXT_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
KEYWORDS = {
    "python": {**GETTEXT_KEYWORDS, **dict.fromkeys(ERROR_KEYWORDS)},
    "jinja2": GETTEXT_KEYWORDS,
    "javascript": {"t": None, "tn": (1, 2)},
}
HEADER = ("# The callcenter screens' strings: made by `callcenter i18n extract`, do not edit.\n"
          "# This file is distributed under the same license as the callcenter project.\n#")
DATES = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\n', re.MULTILINE)
"""Header lines that change on every run: a file that differs only there is left alone."""


def sources(domain: str) -> Iterator[tuple[Path, str]]:
    """(file, extraction method) for each source file of ``domain``."""
    if domain == SCRIPTS:
        yield from ((path, "javascript") for path in sorted(ROOT.glob("agent_console/static/*.js")))
        return
    for package in PYTHON_PACKAGES:
        yield from ((path, "python") for path in sorted((ROOT / package).rglob("*.py")))
    yield from ((path, "jinja2") for path in sorted(ROOT.glob("agent_console/templates/*.html")))


def extract(domain: str) -> Catalog:
    """A fresh template catalog of ``domain`` from the source."""
    catalog = Catalog(project="callcenter", version="0.1.0", domain=domain, charset="utf-8",
                      header_comment=HEADER, msgid_bugs_address="")
    for path, method in sources(domain):
        where = str(path.relative_to(ROOT))
        with path.open("rb") as source:
            for lineno, message, comments, context in babel_extract(
                    method, source, keywords=KEYWORDS[method], comment_tags=("i18n:",),
                    strip_comment_tags=True):
                catalog.add(message, None, [(where, lineno)], auto_comments=comments,
                            context=context)
    return catalog


def _write(path: Path, catalog: Catalog) -> bool:
    out = io.BytesIO()
    write_po(out, catalog, width=100, include_lineno=False, ignore_obsolete=True,
             sort_output=True)
    text = out.getvalue()
    if path.exists() and DATES.sub(b"", path.read_bytes()) == DATES.sub(b"", text):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text)
    return True


def _language_catalog(code: str, domain: str) -> Catalog:
    if po_path(code, domain).exists():
        return read_catalog(code, domain)
    return Catalog(locale=code, domain=domain, project="callcenter", charset="utf-8")


def refresh(new_languages: tuple[str, ...] = ()) -> list[Path]:
    """Extract both domains and update the .po of every language (and of ``new_languages``,
    created); returns the files written."""
    written = []
    for domain in (MESSAGES, SCRIPTS):
        template = extract(domain)
        if _write(LOCALE_DIR / f"{domain}.pot", template):
            written.append(LOCALE_DIR / f"{domain}.pot")
        for code in sorted({*translated_codes(), *new_languages}):
            catalog = _language_catalog(code, domain)
            catalog.update(template)
            if _write(po_path(code, domain), catalog):
                written.append(po_path(code, domain))
    return written
