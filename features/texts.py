"""Texts sellers read: one per language where a profile or agreement gives several, and readable codes."""

from __future__ import annotations

import re

# The languages sellers read: names, value labels and agreement texts may be given per language.
LANGUAGES = ("en", "da", "nl", "pl")
Text = str | dict[str, str]  # one text, or one per language: {en: Country, da: Land}


def in_language(text: Text, code: str) -> str:
    """The text in a language: its own, else the English, else the first given."""
    if isinstance(text, str):
        return text
    return text.get(code) or text.get("en") or next(iter(text.values()), "")


def check_languages(text: Text) -> Text:
    """Refuse a per-language text with a language sellers are not served in."""
    if isinstance(text, dict):
        unknown = sorted(set(text) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"languages {unknown} are not served (languages: {', '.join(LANGUAGES)})")
        if not text:
            raise ValueError("a per-language text needs at least one language")
    return text


def readable_code(code: str) -> str:
    """A raw code in words: 'cold_outbound' -> 'Cold outbound'; codes with capitals ('IT', 'Google') stay."""
    if code != code.lower() or not any(c.isalpha() for c in code):
        return code
    words = re.sub(r"[_\-]+", " ", code).strip()
    return words[:1].upper() + words[1:] if words else code
