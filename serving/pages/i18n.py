"""The seller pages in the reader's language: the language of the page being rendered, gettext for templates,
and the language switch.

The template environment is shared by every request, so its gettext callables read the language of the page
being rendered from a context variable that `rendering.render` sets around one (synchronous) render: two
concurrent requests never see each other's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import urlencode

import jinja2
from fastapi import Request

from features.texts import LANGUAGES
from serving.language.catalog import Language, language, negotiate

# Each language by its own name, as a reader looks for it in the switch.
NAMES = {"en": "English", "da": "Dansk", "nl": "Nederlands", "pl": "Polski"}
_rendering: ContextVar[Language | None] = ContextVar("page_language", default=None)


def N_(message: str) -> str:  # noqa: N802 (the name pybabel extracts)
    """Mark a message for the catalogs; it is translated where it is shown."""
    return message


def current() -> Language:
    """The language of the page being rendered (English outside a render)."""
    return _rendering.get() or language("en")


@contextmanager
def rendering_in(code: str) -> Iterator[Language]:
    """Render in a language for the duration of the block."""
    token = _rendering.set(language(code))
    try:
        yield current()
    finally:
        _rendering.reset(token)


def install(env: jinja2.Environment) -> None:
    """`{% trans %}`, `_()` and `ngettext()` in the templates, in the language of the page being rendered."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: current().gettext(message),
        lambda singular, plural, count: current().ngettext(singular, plural, count),
        newstyle=True)


def request_language(request: Request) -> str:
    """The reader's language for a page that has no LanguageDep (an error page): as the dependency decides."""
    settings = getattr(request.app.state, "settings", None)
    return negotiate(request.query_params.get("lang"), request.headers.get("accept-language"),
                     getattr(settings, "language", "en"))


@dataclass(frozen=True)
class Switch:
    """One entry of the language switch: the language's own name and this page's address in it."""

    code: str
    name: str
    url: str
    current: bool


def linker(request: Request) -> Callable[[str], str]:
    """A function keeping this page's ?lang= on a link to another page (links without it follow the browser)."""
    wanted = request.query_params.get("lang")
    if wanted not in LANGUAGES:
        return lambda url: url

    def link(url: str) -> str:
        return f"{url}{'&' if '?' in url else '?'}{urlencode({'lang': wanted})}"

    return link


def switch(request: Request, code: str) -> list[Switch]:
    """This page in every served language: ?lang=xx added, the other query parameters kept."""
    kept = [(key, value) for key, value in request.query_params.multi_items() if key not in ("lang", "saved")]
    return [Switch(other, NAMES[other], f"{request.url.path}?{urlencode([*kept, ('lang', other)])}", other == code)
            for other in LANGUAGES]
