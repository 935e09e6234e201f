"""The weekly report in a real browser: every chart loads as an image, and a screenshot for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reports.weekly import WeeklyReport
from reports.weekly_page import render_weekly
from tests.reports.test_weekly_page import agreement, profile, report
from tests.serving.test_pages_browser import SCREENSHOTS, browser

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow
__all__ = ["agreement", "browser", "profile", "report"]  # fixtures shared with the page tests


def test_the_weekly_report_shows_its_charts(browser: Browser, report: WeeklyReport, tmp_path: Path) -> None:
    page_file = tmp_path / "weekly.html"
    page_file.write_text(render_weekly(report), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(page_file.as_uri())
    widths = page.locator("img").evaluate_all("images => images.map(image => image.naturalWidth)")
    assert len(widths) == 8 and all(width > 300 for width in widths), "every chart decoded"
    assert page.locator("#headline div").count() == 4
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "weekly-report.png"), full_page=True)
    context.close()
