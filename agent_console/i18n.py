"""The screens' languages: the gettext catalogs in ``locale/`` (read from the .po files at the
first request, no compiled .mo in the repository) and which one a request gets.

Two domains: ``messages`` (templates and Python: the domain errors, the login page's
messages) and ``scripts`` (the page scripts' t()/tn() strings, handed to each page as JSON).
A request's language: ``?lang=`` when it names one we have, else the user's saved language
(``users.language``), else the browser's Accept-Language (negotiated with Babel), else
English. Refresh the catalogs with ``callcenter i18n extract`` (agent_console.catalogs).
"""
from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from gettext import NullTranslations
from pathlib import Path

from babel import Locale
from babel.core import negotiate_locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .jsonbody import script_json

LOCALE_DIR = Path(__file__).with_name("locale")
ENGLISH = "en"
"""The msgids' language: no catalog of its own."""
MESSAGES, SCRIPTS = "messages", "scripts"


def po_path(code: str, domain: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{domain}.po"


def read_catalog(code: str, domain: str) -> Catalog:
    with po_path(code, domain).open("rb") as po:
        return read_po(po, locale=code, domain=domain)


def translated_codes() -> list[str]:
    """The languages with catalogs in ``locale/`` (a folder per language)."""
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{MESSAGES}.po"))


def _translations(catalog: Catalog) -> Translations:
    mo = io.BytesIO()
    write_mo(mo, catalog)  # leaves fuzzy entries out, as msgfmt does
    mo.seek(0)
    return Translations(mo, domain=catalog.domain)


def script_messages(catalog: Catalog) -> dict[str, str | list[str]]:
    """What i18n.js reads: msgid -> translation, a plural entry's singular -> its forms."""
    found: dict[str, str | list[str]] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not any(_strings(message.string)):
            continue
        if message.pluralizable:
            found[message.id[0]] = list(message.string)
        else:
            found[message.id] = message.string
    return found


def _strings(string: str | tuple[str, ...]) -> tuple[str, ...]:
    return string if isinstance(string, tuple) else (string,)


def _script_json(code: str, messages: dict) -> str:
    return script_json({"locale": code, "messages": messages})


@dataclass(frozen=True)
class Language:
    """One screen language: its gettext translations and the page scripts' catalog."""

    code: str
    """As in the catalogs and users.language: en, zh_CN."""
    translations: NullTranslations
    script_catalog: str
    """JSON for the pages' <script id="i18n" type="application/json">."""

    @property
    def html_lang(self) -> str:
        """BCP 47, for <html lang>: zh-CN."""
        return self.code.replace("_", "-")

    @property
    def name(self) -> str:
        """The language's name in itself (for the language chooser)."""
        return Locale.parse(self.code).display_name


def _load(code: str) -> Language:
    if code == ENGLISH:
        return Language(code, NullTranslations(), _script_json(code, {}))
    return Language(code, _translations(read_catalog(code, MESSAGES)),
                    _script_json(code, script_messages(read_catalog(code, SCRIPTS))))


@functools.cache
def languages() -> dict[str, Language]:
    """Every language the screens speak, by code; English first."""
    return {code: _load(code) for code in [ENGLISH, *translated_codes()]}


def accepted(header: str | None) -> list[str]:
    """An Accept-Language header's languages, most wanted first (``zh-CN`` -> ``zh_CN``)."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, weight = part.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag.replace("-", "_")))
    return [tag for *_, tag in sorted(ranked)]


def negotiate(chosen: str | None, saved: str | None, accept_language: str | None) -> Language:
    """The language of a request: ``chosen`` (``?lang=``), else ``saved`` (the user's), else
    the best of ``accept_language`` we have, else English."""
    available = languages()
    for code in (chosen, saved):
        if code in available:
            return available[code]
    # a bare language ("zh") stands for our catalog of it (zh_CN)
    aliases: dict[str, str] = {}
    for code in available:
        aliases.setdefault(code.split("_")[0], code)
    best = negotiate_locale(accepted(accept_language), list(available), aliases=aliases)
    return available[best or ENGLISH]
