"""Message catalogs: one gettext catalog per language, compiled from its .po file when first asked for.

English is the source language (its messages are the msgids), so it needs no catalog. The .po files are
the only translation files in the repository; compiling them in memory at start-up means no compiled
binary goes stale next to its source.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent, format_scientific

from features.texts import LANGUAGES

SOURCE = "en"
# Polish writes a space before the percent sign ("31 %"), as Danish does; CLDR's Polish pattern has none.
PERCENT_PATTERNS = {"pl": "#,##0\u00a0%"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"


class LanguageError(ValueError):
    """A catalog that cannot be read, naming the file and the problem."""


@dataclass(frozen=True)
class Language:
    """One language's messages and number formats."""

    code: str
    locale: Locale
    translations: gettext.NullTranslations
    _percents: dict[int, str] = field(default_factory=dict, compare=False, repr=False)

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        return self.translations.ngettext(singular, plural, count)

    def percent(self, share: float) -> str:
        """A share as a whole percent in this locale: '31%' in English, '31 %' in Danish and Polish."""
        whole = round(share * 100)
        found = self._percents.get(whole)
        if found is None:
            found = self._percents[whole] = format_percent(whole / 100, PERCENT_PATTERNS.get(self.code),
                                                           locale=self.locale)
        return found

    def number(self, value: float, digits: int = 2) -> str:
        """A number in this locale, with at most `digits` decimals ('1.234,5' in Danish)."""
        return _decimal(self.code, float(value), digits)

    def count(self, value: int) -> str:
        return _decimal(self.code, float(value), 0)

    def date(self, day: dt.date) -> str:
        return format_date(day, format="medium", locale=self.locale)


@functools.lru_cache(maxsize=65_536)
def _decimal(code: str, value: float, digits: int) -> str:
    # Babel formats a number in tens of microseconds; the numbers sellers read (group sizes, bin edges,
    # field values) repeat across leads, so a batch of explanations formats each one once.
    if math.isfinite(value) and abs(value) >= 1e15:  # past what a decimal pattern carries: '1E300'
        return format_scientific(value, locale=code)
    pattern = "#,##0" + ("." + "#" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=code)


@functools.cache
def language(code: str) -> Language:
    """The language for a code; an unknown code is English."""
    code = code if code in LANGUAGES else SOURCE
    if code == SOURCE:
        return Language(code, Locale.parse(code), gettext.NullTranslations())
    return Language(code, Locale.parse(code), compile_catalog(catalog_path(code), code))


def compile_catalogs() -> list[Language]:
    """Every served language, compiled now (at start-up)."""
    return [language(code) for code in LANGUAGES]


def catalog_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(path: Path, code: str) -> gettext.GNUTranslations:
    """A .po file compiled in memory (fuzzy entries left out, as msgfmt does)."""
    try:
        with path.open("rb") as stream:
            catalog = read_po(stream, locale=code)
    except (OSError, ValueError) as exc:
        raise LanguageError(f"catalog {path}: cannot be read: {exc}") from None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(query: str | None, accept_language: str | None, default: str) -> str:
    """`?lang=` first, then the best of Accept-Language, then the service default, then English."""
    if query:
        wanted = query.strip().lower().split("-")[0]
        if wanted in LANGUAGES:
            return wanted
    for code in _preferred(accept_language or ""):
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else SOURCE


def _preferred(header: str) -> list[str]:
    """Accept-Language's languages, most wanted first ('da-DK,da;q=0.9,en;q=0.5' -> da, da, en)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        piece, _, quality = part.strip().partition(";q=")
        tag = piece.strip().lower().split("-")[0]
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag))
    return [tag for _, _, tag in sorted(ranked)]
