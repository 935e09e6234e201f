"""Reading the YAML: files that are not agreements, tags that would run code, texts past the bounds."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from features.profile import Profile
from models.agreement import AgreementError, load_agreement, parse_agreement
from models.agreement.reader import _StrictLoader
from tests.models.agreement.sample import HEAD

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(HEAD + "rules: [\n", "not valid YAML", id="invalid-yaml"),
        pytest.param("- a\n- b\n", "expected a mapping at the top level, got list", id="list"),
        pytest.param("just text\n", "expected a mapping at the top level, got str", id="scalar"),
        pytest.param("", "got an empty file", id="empty"),
        pytest.param(HEAD + "grades: {A: 0.6}\n", "key 'grades' is given twice", id="duplicate-key"),
    ],
)
def test_a_file_that_is_not_an_agreement_is_refused(profile: Profile, text: str, expected: str) -> None:
    with pytest.raises(AgreementError, match=re.escape(expected)):
        parse_agreement(text, profile)


def test_a_python_tag_is_refused_and_never_executed(profile: Profile, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / "evil.yaml"
    path.write_text(HEAD + f'rules: !!python/object/apply:os.mkdir ["{marker}"]\n', encoding="utf-8")
    with pytest.raises(AgreementError, match="refused: could not determine a constructor"):
        load_agreement(path, profile)
    assert not marker.exists()


def test_a_python_object_tag_is_refused(profile: Profile) -> None:
    with pytest.raises(AgreementError, match="python/object:collections.OrderedDict"):
        parse_agreement(HEAD + "rules: !!python/object:collections.OrderedDict {}\n", profile)


# --- bounds while reading -----------------------------------------------------------------------


def laughs(levels: int = 8, references: int = 10) -> str:
    """A "billion laughs" text: each level refers to the one before it `references` times."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * references) + "]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * references) + "]" for n in range(1, levels + 1)]
    return HEAD + "\n".join(lines) + "\n"


def refusal(text: str, profile: Profile) -> str:
    with pytest.raises(AgreementError) as caught:
        parse_agreement(text, profile)
    message = str(caught.value)
    message.encode("utf-8")  # it reaches users in a JSON body
    return message


def test_an_alias_bomb_is_refused_quickly(profile: Profile) -> None:
    text = laughs()
    assert len(text.encode("utf-8")) - len(HEAD) < 700
    started = time.perf_counter()
    message = refusal(text, profile)
    assert time.perf_counter() - started < 2.0  # it took 13 s before; a generous bound for a shared machine
    assert "refused: more than 20000 values once aliases are expanded" in message


def test_more_than_100_aliases_are_refused(profile: Profile) -> None:
    text = HEAD + "x: &x lol\ny: [" + ", ".join(["*x"] * 101) + "]\n"
    assert "refused: more than 100 aliases (*name)" in refusal(text, profile)


def test_a_few_aliases_are_read(profile: Profile) -> None:
    text = HEAD + (
        "rules:\n"
        "  - {id: a, text: &why Not a market we serve., when: &market {field: country, in: [XX, YY]},"
        " then: disqualify}\n"
        "  - {id: b, text: *why, when: {not: *market}, then: {cap: B}}\n"
    )
    agreement = parse_agreement(text, profile)
    assert agreement.rules[1].text == "Not a market we serve."
    assert agreement.checks[1].hit({"country": "DE"}) is not None


def test_an_alias_inside_its_own_anchor_is_refused(profile: Profile) -> None:
    assert "an alias refers to a collection it is inside" in refusal(HEAD + "x: &x [a, *x]\n", profile)


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_yaml_is_read_without_recursion(profile: Profile, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    text = HEAD.replace("labels: {A: hot, B: warm, C: cold, D: not now}",
                        "labels: " + opening * 6_000 + "x" + closing * 6_000)
    started = time.perf_counter()
    assert "labels" in refusal(text, profile)
    assert time.perf_counter() - started < 2.0  # scanning a line of brackets was quadratic: 30 s for 16,000


def test_merge_keys_nested_past_the_limit_are_refused(profile: Profile) -> None:
    text = HEAD + "x: " + "{<<: " * 25 + "{a: 1}" + "}" * 25 + "\n"
    assert "refused: merge keys (<<) nested more than 20 levels deep" in refusal(text, profile)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("1" * 5000, "refused: a value YAML cannot read: Exceeds the limit", id="5000-digits"),
        pytest.param("2026-13-45", "refused: a value YAML cannot read: month must be in 1..12", id="13th-month"),
    ],
)
def test_a_value_yaml_cannot_construct_is_refused(profile: Profile, value: str, expected: str) -> None:
    assert expected in refusal(HEAD + f"x: {value}\n", profile)


def test_a_long_key_given_twice_is_quoted_short(profile: Profile) -> None:
    key = "k" * 1_000  # a simple key spans at most 1,024 characters
    message = refusal(HEAD + f"{key}: 1\n{key}: 2\n", profile)
    assert "is given twice in one mapping" in message and len(message) < 500


SAMPLES = [
    "a: 1\nb: [1, 2.5, {c: d}]\n",
    "- &x {a: 1}\n- *x\n- <<: *x\n  b: 2\n",
    "a: !!set {x, y}\nb: !!omap [{a: 1}, {b: 2}]\n",
    "{a: [b, {c: d}], 'e f': {g: h}, ? complex : 1}\n",
    "a: b\nc:\n  d: e\n  f: [g, h]\n  i:\n    - j\n    -\n      - k\n",
    "text: |\n  two\n  lines\nfolded: >\n  one\n  line\nempty:\ndate: 2026-11-01\n",
]


SHIPPED = [path.read_text(encoding="utf-8") for path in sorted((ROOT / "agreements").glob("*.yaml"))]


@pytest.mark.parametrize("text", [*SAMPLES, *SHIPPED])
def test_the_loader_reads_what_the_safe_loader_reads(text: str) -> None:
    assert yaml.load(text, Loader=_StrictLoader) == yaml.safe_load(text)  # noqa: S506 - a SafeLoader subclass


@pytest.mark.parametrize("text", ["key: [a, b\n", "a:\n b\nc", "x: *nope\n", "a: &a 1\nb: &a 2\n", "[a]]\n"])
def test_the_loader_refuses_what_the_safe_loader_refuses(text: str) -> None:
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
