"""Loading: the file, the digest and version, the demo agreement."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from features.profile import Profile, load_profile
from features.texts import LANGUAGES
from models.agreement import Agreement, AgreementError, agreement_from_bytes, load_agreement, parse_agreement
from tests.models.agreement.sample import HEAD

ROOT = Path(__file__).resolve().parents[3]


def test_a_missing_file_is_named(profile: Profile, tmp_path: Path) -> None:
    with pytest.raises(AgreementError, match=r"agreement .*nowhere\.yaml: file not found"):
        load_agreement(tmp_path / "nowhere.yaml", profile)


def test_agreement_error_is_a_value_error() -> None:
    assert issubclass(AgreementError, ValueError)


# --- version ------------------------------------------------------------------------------------


def test_version_is_declared_version_plus_content_hash(profile: Profile, tmp_path: Path) -> None:
    path = tmp_path / "agreement.yaml"
    path.write_text(HEAD, encoding="utf-8")
    agreement = load_agreement(path, profile)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert agreement.declared_version == "2026-11-01"
    assert agreement.sha256 == digest and re.fullmatch(r"[0-9a-f]{64}", agreement.sha256)
    assert agreement.version == "2026-11-01+" + digest[:12]
    assert parse_agreement(HEAD, profile).version == agreement.version
    assert parse_agreement(HEAD, profile).sha256 == digest


def test_the_digest_is_of_the_exact_bytes_read(profile: Profile, tmp_path: Path) -> None:
    path = tmp_path / "agreement.yaml"
    data = HEAD.replace("\n", "\r\n").encode("utf-8")  # text mode would read these line ends as "\n"
    path.write_bytes(data)
    agreement = load_agreement(path, profile)
    assert agreement.sha256 == hashlib.sha256(data).hexdigest()
    assert agreement.sha256 != parse_agreement(HEAD, profile).sha256
    assert agreement_from_bytes(data, profile).version == agreement.version


def test_the_file_is_read_once(profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "agreement.yaml"
    path.write_text(HEAD, encoding="utf-8")
    opened: list[str] = []
    real_open = Path.open

    def counting_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(self.name)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", counting_open)
    load_agreement(path, profile)
    assert opened == ["agreement.yaml"]


def test_to_dict_carries_the_full_digest(profile: Profile) -> None:
    agreement = parse_agreement(HEAD, profile)
    view = agreement.to_dict()
    assert view["sha256"] == agreement.sha256 == hashlib.sha256(HEAD.encode("utf-8")).hexdigest()
    assert view["version"] == f"2026-11-01+{agreement.sha256[:12]}"


@pytest.mark.parametrize(
    ("old", "new"),
    [("C: 0.10", "C: 0.11"), ("not now", "later"), ("Head of Sales", "CRO"), ("\n", "\n\n")],
)
def test_version_changes_when_content_changes(profile: Profile, old: str, new: str) -> None:
    changed = parse_agreement(HEAD.replace(old, new, 1), profile)
    assert changed.declared_version == "2026-11-01"
    assert changed.version != parse_agreement(HEAD, profile).version


def test_an_unquoted_date_version_reads_as_text(profile: Profile) -> None:
    agreement = parse_agreement(HEAD.replace('"2026-11-01"', "2026-11-01", 1), profile)
    assert re.fullmatch(r"2026-11-01\+[0-9a-f]{12}", agreement.version)


def test_a_file_need_not_claim_signatures(profile: Profile) -> None:
    text = "\n".join(line for line in HEAD.splitlines() if not line.startswith("signed_off:")) + "\n"
    agreement = parse_agreement(text, profile)
    assert agreement.signed_off is None
    assert agreement.to_dict()["signed_off"] is None


def test_claimed_signatures_are_kept(profile: Profile) -> None:
    signed = parse_agreement(HEAD, profile).signed_off
    assert signed is not None and (signed.sales, signed.marketing) == ("Head of Sales", "Head of Marketing")


# --- the size of the text -----------------------------------------------------------------------


def test_a_text_over_256_kib_is_refused(profile: Profile, tmp_path: Path) -> None:
    text = HEAD + "# " + "x" * (256 * 1024) + "\n"
    limit = r"agreement <string>: over 262144 bytes; .* at most 262144 bytes \(256 KiB\)"
    with pytest.raises(AgreementError, match=limit):
        parse_agreement(text, profile)
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AgreementError, match=r"big\.yaml: 262145 bytes; an agreement text holds at most 262144 bytes"):
        load_agreement(path, profile)


def test_a_text_of_multibyte_characters_is_measured_in_bytes(profile: Profile) -> None:
    text = HEAD + "# " + "é" * (130 * 1024) + "\n"  # under 256 Ki characters, over 256 KiB
    with pytest.raises(AgreementError, match=r"\d+ bytes; an agreement text holds at most 262144 bytes"):
        parse_agreement(text, profile)


def test_a_text_with_a_lone_surrogate_is_refused(profile: Profile) -> None:
    text = HEAD + "# \ud800\n"  # what a JSON body's "\\ud800" escape decodes to
    with pytest.raises(AgreementError, match=r"not valid Unicode text: a lone surrogate \(U\+D800\)"):
        parse_agreement(text, profile)


# --- the demo agreement -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> Agreement:
    return load_agreement(ROOT / "agreements" / "demo.yaml", load_profile(ROOT / "profiles" / "demo.yaml"))


def test_demo_agreement_loads_against_the_demo_profile(demo: Agreement) -> None:
    assert dict(demo.grades) == {"A": 0.5, "B": 0.25, "C": 0.1}
    assert dict(demo.labels) == {"A": "hot", "B": "warm", "C": "cold", "D": "not now"}
    assert dict(demo.follow_up_hours) == {"A": 4, "B": 24, "C": 72}
    assert demo.signed_off is not None
    assert demo.signed_off.sales.strip() and demo.signed_off.marketing.strip()
    assert re.fullmatch(r"2026-11-01\+[0-9a-f]{12}", demo.version)
    assert re.fullmatch(r"[0-9a-f]{64}", demo.sha256)


@pytest.mark.parametrize(
    ("rule_id", "effect"),
    [
        ("price-too-high-market", "disqualify"),
        ("student", "disqualify"),
        ("competitor", "disqualify"),
        ("curious-not-buying", "cap C"),
        ("icp-demo", "floor B"),
        ("contact-data", "require"),
    ],
)
def test_demo_agreement_has_the_practitioners_rules(demo: Agreement, rule_id: str, effect: str) -> None:
    rule = next(rule for rule in demo.rules if rule.id == rule_id)
    assert rule.effect == effect
    for code in LANGUAGES:  # a sentence a seller can read, not a code, in every language the pages offer
        assert len((demo.rule_text(rule_id, code) or "").split()) >= 6, code
    assert isinstance(rule.text, dict) and set(rule.text) == set(LANGUAGES)
