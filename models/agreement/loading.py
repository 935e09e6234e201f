"""Loading an agreement: the exact bytes, their sha256, the bounded YAML read, the checks and the build."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import ValidationError

from features.profile import Profile
from models.agreement.agreement import Agreement, assemble
from models.agreement.errors import AgreementError, describe, refusal
from models.agreement.limits import MAX_BYTES, shape_problems
from models.agreement.reader import read_document
from models.agreement.schema import AgreementFile
from models.agreement.validation import problems


def load_agreement(path: str | Path, profile: Profile) -> Agreement:
    """Read, validate against the profile, and compile an agreement file."""
    source = str(path)
    try:
        with Path(path).open("rb") as file:
            data = file.read(MAX_BYTES + 1)  # one read: what is hashed is what is parsed; +1 tells it is too long
    except FileNotFoundError:
        raise AgreementError(f"agreement {source}: file not found") from None
    except OSError as exc:
        raise AgreementError(f"agreement {source}: cannot be read: {exc.strerror}") from None
    return agreement_from_bytes(data, profile, source)


def parse_agreement(text: str, profile: Profile, source: str = "<string>") -> Agreement:
    """Validate and compile an agreement given as YAML text."""
    if len(text) > MAX_BYTES:  # each character is at least one byte: refused before it is encoded
        raise AgreementError(f"agreement {source}: over {MAX_BYTES} bytes; an agreement text holds at most "
                             f"{MAX_BYTES} bytes ({MAX_BYTES // 1024} KiB)")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate, as a JSON "\ud800" escape gives
        raise AgreementError(f"agreement {source}: not valid Unicode text: a lone surrogate "
                             f"(U+{ord(exc.object[exc.start]):04X}) at character {exc.start + 1}") from None
    return agreement_from_bytes(data, profile, source)


def agreement_from_bytes(data: bytes, profile: Profile, source: str = "<bytes>") -> Agreement:
    """Validate and compile an agreement given as the UTF-8 bytes of its text; sha256 is of these bytes."""
    raw = read_document(data, source)
    found = shape_problems(raw)  # before pydantic, whose validation recurses into the conditions
    if found:
        raise refusal(source, found)
    try:
        spec = AgreementFile.model_validate(raw)
    except ValidationError as exc:
        raise refusal(source, describe(exc, raw)) from None
    found = problems(spec, profile)
    if found:
        raise refusal(source, found)
    return assemble(spec, hashlib.sha256(data).hexdigest(), profile, source)
