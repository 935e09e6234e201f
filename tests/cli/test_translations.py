"""`leadscore check-translations`: the shipped catalogs, profiles and agreements have no gap, and a planted one
is found."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from babel.messages.pofile import read_po, write_po
from typer.testing import CliRunner

from cli.main import app
from cli.translations import placeholders
from serving.language.catalog import LOCALE_DIR
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, ROOT

PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))
AGREEMENTS = sorted((ROOT / "agreements").glob("*.yaml"))


def check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["check-translations", *args])
    return result.exit_code, result.output


def shipped(catalogs: Path = LOCALE_DIR) -> list[str]:
    args = ["--catalogs", str(catalogs)]
    args += [item for path in PROFILES for item in ("--profile", str(path))]
    return args + [item for path in AGREEMENTS for item in ("--agreement", str(path))]


def planted_catalogs(tmp_path: Path, code: str, change: str) -> tuple[Path, str]:
    """A copy of the catalogs with one of `code`'s messages emptied, made fuzzy, or its placeholders broken."""
    folder = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, folder)
    path = folder / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as stream:
        catalog = read_po(stream, locale=code)
    message = next(m for m in catalog if isinstance(m.id, str) and "{field}" in m.id)
    if change == "empty":
        message.string = ""
    elif change == "fuzzy":
        message.flags.add("fuzzy")
    elif change == "placeholder":
        message.string = message.string.replace("{field}", "{felt}")
    else:
        catalog.delete(message.id)
    with path.open("wb") as stream:
        write_po(stream, catalog)
    return folder, message.id


def test_the_shipped_files_have_no_gap() -> None:
    code, output = check(*shipped())
    assert code == 0, output
    assert "no gaps" in output


def test_an_emptied_translation_is_found(tmp_path: Path) -> None:
    folder, msgid = planted_catalogs(tmp_path, "pl", "empty")
    code, output = check(*shipped(folder))
    assert code == 1
    assert f"untranslated: {msgid!r}" in output and "pl" in output


def test_a_fuzzy_translation_is_found(tmp_path: Path) -> None:
    folder, msgid = planted_catalogs(tmp_path, "da", "fuzzy")
    code, output = check(*shipped(folder))
    assert code == 1 and f"fuzzy: {msgid!r}" in output


def test_a_message_missing_from_a_catalog_is_found(tmp_path: Path) -> None:
    folder, msgid = planted_catalogs(tmp_path, "nl", "delete")
    code, output = check(*shipped(folder))
    assert code == 1 and f"not in the catalog: {msgid!r}" in output


def test_a_translation_with_other_placeholders_is_found(tmp_path: Path) -> None:
    folder, msgid = planted_catalogs(tmp_path, "da", "placeholder")
    code, output = check(*shipped(folder))
    assert code == 1 and f"placeholders differ in {msgid!r}" in output and "felt" in output


def test_a_profile_display_missing_a_language_is_found(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    del data["features"][2]["display"]["pl"]
    copy = tmp_path / "demo.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, output = check("--profile", str(copy), "--agreement", str(DEMO_AGREEMENT))
    assert code == 1
    assert f"features[{data['features'][2]['name']}].display lacks pl" in output


def test_an_agreement_rule_text_missing_a_language_is_found(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO_AGREEMENT.read_text(encoding="utf-8"))
    data["rules"][0]["text"]["nl"] = " "
    data["labels"]["B"].pop("da")
    copy = tmp_path / "agreement.yaml"
    copy.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, output = check("--profile", str(DEMO_PROFILE), "--agreement", str(copy))
    assert code == 1
    assert f"rules[{data['rules'][0]['id']}].text lacks nl" in output and "labels[B] lacks da" in output


def test_placeholders_of_both_styles_are_read() -> None:
    assert placeholders("{field}: {value} raises it; {{literal}}") == {"field", "value"}
    assert placeholders("<strong>%(num)s</strong> open, %(rate)d %%") == {"num", "rate"}
    assert placeholders("moved from {before:+.2f}") == {"before"}
