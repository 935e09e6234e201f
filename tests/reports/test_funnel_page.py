"""The marketing report page: one self-contained HTML file with tables and inlined PNG plots, plus JSON."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from models.agreement import Agreement, parse_agreement
from reports.funnel import Funnel, build_funnel
from reports.funnel_page import render_report, report_json, write_report
from tests.reports.shop import HEAD, XX_MARKET, shop_profile

AGREEMENT = HEAD.format(version="2026-01-01") + XX_MARKET
IMAGE = re.compile(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def agreement() -> Agreement:
    return parse_agreement(AGREEMENT, shop_profile("country"))


def scored(rows: list[tuple[str, float, str, list[str], str | None, str, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["lead_id", "probability", "grade", "rules", "outcome", "lead_source",
                                        "campaign"])
    frame.insert(1, "scored_at", pd.Timestamp("2026-02-01"))
    return frame


@pytest.fixture(scope="module")
def funnel(agreement: Agreement) -> Funnel:
    rows = [
        ("L1", 0.70, "A", [], "won", "referral", "summit"),
        ("L2", 0.60, "A", [], "lost", "referral", None),
        ("L3", 0.30, "B", [], "won", "web", "<script>alert(1)</script>"),
        ("L4", 0.60, "D", ["xx-market"], "won", "web", "promo"),
        ("L5", 0.05, "D", [], "lost", "event", "promo"),
        ("L6", 0.15, "C", [], None, "event", None),
    ]
    return build_funnel(scored(rows), agreement, dt.date(2026, 1, 1), dt.date(2026, 3, 1),
                        about={"model": "leadscore-demo/3 (@champion)"})


@pytest.fixture(scope="module")
def page(funnel: Funnel) -> str:
    return render_report(funnel, generated=dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))


def table(page: str, table_id: str) -> str:
    match = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert match, f"no table {table_id}"
    return match.group(1)


def cells(row_html: str) -> list[str]:
    return [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row_html, re.S)]


def rows_of(page: str, table_id: str) -> list[list[str]]:
    body = table(page, table_id).split("<tbody>")[1]
    return [cells(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_page_holds_every_table_with_its_figures(page: str) -> None:
    assert rows_of(page, "by-grade")[0] == ["A", "2", "1", "1", "0", "0", "50.0 %"]
    assert rows_of(page, "by-grade")[2] == ["C", "1", "0", "0", "0", "1", "–"]  # nothing closed: no rate
    assert [row[0] for row in rows_of(page, "by-source")] == ["event", "referral", "web"]
    assert rows_of(page, "by-source")[2] == ["web", "2", "2", "0", "0", "0", "100.0 %"]
    assert rows_of(page, "by-campaign")[-1][0] == "(none)"
    assert rows_of(page, "rules") == [
        ["xx-market", "disqualify", "1", "1", "0", "100.0 %", "Price too high there."]]
    assert rows_of(page, "calibration")[0] == ["A", "50 % – 100 %", "3", "2", "63.3 %", "66.7 %"]


def test_the_page_embeds_at_least_three_png_plots(page: str) -> None:
    images = IMAGE.findall(page)
    assert {alt for alt, _ in images} == {"Win rate by grade", "Win rate by lead source",
                                          "Win rate by campaign", "Rule cost", "Grade calibration"}
    for _, data in images:
        assert base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n")


def test_the_page_is_self_contained(page: str) -> None:
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page and "<script" not in page


def test_lead_values_are_escaped(page: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_header_names_the_period_and_sources(page: str, funnel: Funnel) -> None:
    assert "from 2026-01-01 to before 2026-03-01" in page
    assert funnel.agreement_version in page and "leadscore-demo/3 (@champion)" in page
    assert "generated 2026-03-02 08:00 UTC" in page


def test_an_empty_period_still_renders(agreement: Agreement) -> None:
    empty = build_funnel(scored([("L1", 0.7, "A", [], "won", "web", None)]), agreement,
                         dt.date(2030, 1, 1), dt.date(2030, 2, 1))
    page = render_report(empty)
    assert [alt for alt, _ in IMAGE.findall(page)] == ["Rule cost"]  # the others say in words why they are empty
    assert page.count('<p class="no-chart">') == 4
    assert rows_of(page, "by-source") == [["no leads"]]


def test_write_report_writes_json_and_html(funnel: Funnel, tmp_path: Path) -> None:
    json_path, html_path = write_report(funnel, tmp_path / "reports")
    assert json.loads(json_path.read_text(encoding="utf-8")) == funnel.to_dict()
    assert json_path.read_text(encoding="utf-8") == report_json(funnel)
    assert len(IMAGE.findall(html_path.read_text(encoding="utf-8"))) == 5


def test_a_chart_with_nothing_to_show_is_a_sentence(agreement: Agreement) -> None:
    nothing_closed = build_funnel(scored([("L1", 0.7, "A", [], None, "referral", None)]), agreement,
                                  dt.date(2026, 1, 1), dt.date(2026, 3, 1))
    page = render_report(nothing_closed)
    assert IMAGE.findall(page) == [("Rule cost", IMAGE.findall(page)[0][1])]  # the agreement has a rule
    assert "No lead is won or lost yet: no win rate to chart." in page
    assert "calibration needs won and lost leads" in page


def test_coded_values_read_as_their_labels(agreement: Agreement) -> None:
    rows = [("L1", 0.7, "A", [], "won", "cold_outbound", "partner-summit"),
            ("L2", 0.2, "C", [], "lost", "cold_outbound", None)]
    labels = {"cold_outbound": "Cold outbound", "partner-summit": "Partner summit"}
    labelled = build_funnel(scored(rows), agreement, labeller=lambda column, key: labels.get(key, key))
    assert [row.to_dict()["label"] for row in labelled.by_source] == ["Cold outbound"]
    assert labelled.by_source[0].key == "cold_outbound"  # the data keeps the code
    page = render_report(labelled, generated=dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC))
    assert "Cold outbound" in table(page, "by-source") and "cold_outbound" not in table(page, "by-source")
    assert "Partner summit" in table(page, "by-campaign")
