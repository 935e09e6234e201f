"""The one Jinja2 environment of the reports: their templates (package data in templates/), filters, and the
language a report is rendered in.

Reports never import serving: whoever renders one passes a gettext pair (any object with `gettext` and
`ngettext`, such as gettext.NullTranslations or a catalog) and a locale. The environment is shared, so its
gettext callables and filters read the language of the report being rendered from a context variable that
`in_language` sets around one render.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import jinja2
from babel.numbers import format_decimal

from reports.charts import percent as english_percent


class Translations(Protocol):
    """What a report needs of a catalog."""

    def gettext(self, message: str, /) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...


@dataclass(frozen=True)
class Wording:
    """A report's language: its messages and its locale ('en', 'da', 'nl', 'pl')."""

    translations: Translations
    locale: str = "en"


ENGLISH = Wording(stdlib_gettext.NullTranslations())
# The percent sign as each locale writes it after the number (Danish and Polish with a space, Dutch without).
PERCENT_SIGNS = {"nl": "%"}
_current: ContextVar[Wording | None] = ContextVar("report_wording", default=None)


def wording() -> Wording:
    """The language of the report being rendered (English outside a render)."""
    return _current.get() or ENGLISH


@contextmanager
def in_language(translations: Translations | None, locale: str = "en") -> Iterator[Wording]:
    """Render (templates and charts) in a language for the duration of the block."""
    token = _current.set(Wording(translations or stdlib_gettext.NullTranslations(), locale))
    try:
        yield wording()
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """A message in the language of the report being rendered."""
    return wording().translations.gettext(message)


def n_(singular: str, plural: str, count: int) -> str:
    return wording().translations.ngettext(singular, plural, count)


def percent(share: float | None, digits: int = 1) -> str:
    """A share as a percentage in the report's locale: '12.5 %' in English, '12,5 %' in Danish."""
    locale = wording().locale
    if share is None or locale == "en":
        return english_percent(share, digits)
    number = format_decimal(100 * share, format="#,##0" + ("." + "0" * digits if digits else ""), locale=locale)
    return number + PERCENT_SIGNS.get(locale, "\u00a0%")


def count(value: int) -> str:
    """A count with thousands separators (as the locale writes them)."""
    locale = wording().locale
    return f"{value:,}" if locale == "en" else format_decimal(value, format="#,##0", locale=locale)


def number(value: float, digits: int = 1) -> str:
    """A number with `digits` decimals in the report's locale."""
    locale = wording().locale
    if locale == "en":
        return f"{value:.{digits}f}"
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=locale)


def effect(summary: str | None) -> str:
    """An agreed rule's effect ('cap C', 'disqualify') in the report's language; None is a rule the agreement
    no longer has."""
    if summary is None:
        return _("not in this agreement")
    word, _space, letter = summary.partition(" ")
    words = {"cap": _("cap {grade}"), "floor": _("floor {grade}"), "require": _("require"),
             "disqualify": _("disqualify")}
    return words.get(word, summary).format(grade=letter)


@cache
def environment() -> jinja2.Environment:
    """Templates of this package; every value escaped, an unknown name an error."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("reports", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             extensions=["jinja2.ext.i18n"])
    env.install_gettext_callables(_, n_, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(percent=percent, count=count, number=number, effect=effect)
    return env


def report_template(name: str) -> jinja2.Template:
    """A template by file name."""
    return environment().get_template(name)
