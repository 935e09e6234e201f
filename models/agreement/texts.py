"""What a text in an agreement may hold: valid Unicode, no control characters, a bounded length.

A rule's text is shown to sellers on every lead it fires on and is written into JSON answers and the
score log; a lone surrogate (YAML's "\\ud800" escape makes one) cannot be encoded as UTF-8 there.
Bidirectional overrides are refused too: they make a text read differently from the characters it holds,
and both teams sign what they read.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pydantic import AfterValidator, BeforeValidator

from features.texts import check_languages

# C0 and C1 controls but newline and tab, DEL, bidirectional embeddings, overrides and isolates, surrogates
_REFUSED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def text_problem(text: str, limit: int) -> str | None:
    """Why a text may not appear in an agreement, or None."""
    if len(text) > limit:
        return f"is {len(text)} characters long; at most {limit}"
    found = _REFUSED.search(text)
    if found is None:
        return None
    code, at = ord(found.group()), found.start() + 1
    if 0xD800 <= code <= 0xDFFF:
        return f"has a lone surrogate (U+{code:04X}) at character {at}, which is not valid Unicode"
    if unicodedata.category(found.group()) == "Cc":
        return f"has the control character U+{code:04X} at character {at}; only newline and tab may appear"
    return f"has the bidirectional control U+{code:04X} at character {at}, which changes how the text reads"


def checked(limit: int) -> AfterValidator:
    """A pydantic check refusing a text `text_problem` objects to."""

    def check(text: str) -> str:
        problem = text_problem(text, limit)
        if problem is not None:
            raise ValueError(problem)
        return text

    return AfterValidator(check)



def per_language(limit: int) -> BeforeValidator:
    """A pydantic check for a text given once or per language ({en: hot, da: varm}), each refused as `checked`."""

    def check(value: Any) -> Any:
        texts = value if isinstance(value, dict) else {None: value}
        for code, text in texts.items():
            where = "" if code is None else f"{code}: "
            if not isinstance(text, str):
                raise ValueError(f"{where}expected a text, or one text per language ({{en: ..., da: ...}}), "
                                 f"not {type(text).__name__}")
            problem = text_problem(text, limit)
            if problem is not None:
                raise ValueError(f"{where}{problem}")
        return check_languages(value)

    return BeforeValidator(check)
