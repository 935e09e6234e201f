"""The `check-translations` command: every gap in the message catalogs and in the per-language texts of the
shipped profiles and agreements, so that CI fails before a seller reads English in the middle of Danish.

A catalog gap is a message of the template (.pot) absent from a language's .po, a message left untranslated
or fuzzy, or a translation whose placeholders ({field}, %(rate)s) differ from its msgid's. A text gap is a
per-language text ({en: Country, da: Land}) of a profile or agreement that lacks a served language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from cli.console import err
from features.texts import LANGUAGES
from serving.language.catalog import DOMAIN, LOCALE_DIR, SOURCE

# {field} (str.format, not {{ }}) and %(rate)s (the templates' newstyle gettext)
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}(?!\})|%\(([A-Za-z_][A-Za-z0-9_]*)\)[sdif]")
TRANSLATED = tuple(code for code in LANGUAGES if code != SOURCE)


def placeholders(text: str) -> set[str]:
    """The names a message formats: '{field}: {value}' -> {field, value}; '%(num)s open' -> {num}."""
    return {brace or percent for brace, percent in PLACEHOLDER.findall(text)}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream, locale=locale)


def _key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def catalog_gaps(folder: Path) -> Iterator[str]:
    """Every gap of the catalogs in a locale folder (messages.pot and <code>/LC_MESSAGES/messages.po)."""
    template = _read(folder / f"{DOMAIN}.pot")
    wanted = {_key(message.id): message for message in template if message.id}
    for code in TRANSLATED:
        path = folder / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.exists():
            yield f"{path}: missing: the {code} catalog"
            continue
        catalog = _read(path, code)
        found = {_key(message.id): message for message in catalog if message.id}
        for key in sorted(set(wanted) - set(found)):
            yield f"{path}: not in the catalog: {key!r}"
        for key, message in sorted(found.items()):
            yield from _message_gaps(path, key, message)


def _message_gaps(path: Path, key: str, message: Any) -> Iterator[str]:
    forms = list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]
    if not all(form.strip() for form in forms):
        yield f"{path}: untranslated: {key!r}"
        return
    if message.fuzzy:
        yield f"{path}: fuzzy: {key!r}"
    ids = [message.id] if isinstance(message.id, str) else list(message.id)
    expected = set().union(*(placeholders(text) for text in ids))
    for form in forms:
        if placeholders(form) != expected:
            yield (f"{path}: placeholders differ in {key!r}: {sorted(placeholders(form))} against "
                   f"{sorted(expected)}")


def texts(data: Any, kind: str) -> Iterator[tuple[str, Any]]:
    """Every text field sellers read in a profile or agreement, as (where, text)."""
    if not isinstance(data, dict):
        return
    if kind == "profile":
        for section in ("features", "attributes"):
            for item in data.get(section) or []:
                name = item.get("name", "?")
                if "display" in item:
                    yield f"{section}[{name}].display", item["display"]
                for value, label in (item.get("values") or {}).items():
                    yield f"{section}[{name}].values[{value}]", label
    else:
        for grade, label in (data.get("labels") or {}).items():
            yield f"labels[{grade}]", label
        for rule in data.get("rules") or []:
            yield f"rules[{rule.get('id', '?')}].text", rule.get("text")


def text_gaps(path: Path, kind: str) -> Iterator[str]:
    """Every per-language text of a profile or agreement file that lacks a served language."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for where, text in texts(data, kind):
        if isinstance(text, dict):
            lacking = [code for code in LANGUAGES if not str(text.get(code) or "").strip()]
            if lacking:
                yield f"{path}: {where} lacks {', '.join(lacking)}"


def check_translations(
    catalogs: Annotated[Path, typer.Option(help="Locale folder: messages.pot and <code>/LC_MESSAGES/.")]
    = LOCALE_DIR,
    profile: Annotated[list[Path] | None, typer.Option(help="Profile to check (default profiles/*.yaml).")] = None,
    agreement: Annotated[list[Path] | None, typer.Option(help="Agreement to check (default agreements/*.yaml).")]
    = None,
) -> None:
    """List every missing, fuzzy or mismatched translation; exit 1 on any gap."""
    profiles = profile if profile is not None else sorted(Path("profiles").glob("*.yaml"))
    agreements = agreement if agreement is not None else sorted(Path("agreements").glob("*.yaml"))
    gaps = [*catalog_gaps(catalogs), *(gap for path in profiles for gap in text_gaps(path, "profile")),
            *(gap for path in agreements for gap in text_gaps(path, "agreement"))]
    for gap in gaps:
        typer.echo(gap)
    template = _read(catalogs / f"{DOMAIN}.pot")
    counted = sum(1 for message in template if message.id)
    if gaps:
        err.print(f"{len(gaps)} translation gaps", highlight=False)
        raise typer.Exit(code=1)
    err.print(f"{counted} messages in {', '.join(TRANSLATED)}; {len(profiles)} profiles and {len(agreements)} "
              "agreements: no gaps", highlight=False)
