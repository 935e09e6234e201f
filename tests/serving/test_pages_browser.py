"""The seller pages in a real browser: uvicorn on a loopback port, Debian's Chromium driven by Playwright.

Chromium is /usr/bin/chromium (`apt-get install -y chromium`; LEADSCORE_CHROMIUM overrides the path).
Without it the tests skip with the reason, except under CI (CI=true), where they fail: a missing
browser must never pass as green. Screenshots go to tests/screenshots/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import pytest

from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, ROOT
from tests.serving.conftest import start_uvicorn, stop, wait_ready
from tests.serving.seller_leads import HOSTILE, Seeded, seed
from training.job import TrainResult

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "tests" / "screenshots"
GRADES = "ABCD"
HOT_BACKGROUND = "rgb(254, 226, 226)"  # --hot-bg in pages.css


def unavailable(message: str) -> None:
    """Skip, or fail under CI, when the browser cannot run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: the browser tests must run)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, launched by Playwright."""
    chromium = Path(os.environ.get("LEADSCORE_CHROMIUM", "/usr/bin/chromium"))
    if not chromium.is_file():
        unavailable(f"no Chromium at {chromium}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"the playwright package is not installed: {exc}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def site(trained: TrainResult, tracking_uri: str, tmp_path_factory: pytest.TempPathFactory,
         example: dict[str, Any]) -> Iterator[tuple[str, Seeded]]:
    """A uvicorn process with a lead store of its own holding the seller leads; its base URL and the leads."""
    folder = tmp_path_factory.mktemp("pages-browser")
    store_url = f"sqlite:///{folder / 'leads.db'}"
    env = {"LEADSCORE_PROFILE": str(DEMO_PROFILE), "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT),
           "MLFLOW_TRACKING_URI": tracking_uri, "LEADSCORE_STORE_URL": store_url,
           "LEADSCORE_API_KEYS": "", "LEADSCORE_ADMIN_KEYS": ""}
    process, base_url = start_uvicorn(env, folder / "server.log")
    try:
        wait_ready(process, base_url, folder / "server.log")
        with httpx.Client(base_url=base_url, timeout=30) as http:
            seeded = seed(http, store_url, example)
        yield base_url, seeded
    finally:
        stop(process)


@pytest.fixture()
def page(browser: Browser, site: tuple[str, Seeded]) -> Iterator[Page]:
    """A fresh browser page on the site; a script dialog fails the test."""
    context = browser.new_context(base_url=site[0], viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    dialogs: list[str] = []
    opened.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield opened
    context.close()
    assert not dialogs, f"a script ran in the page: {dialogs}"


@pytest.fixture()
def seeded(site: tuple[str, Seeded]) -> Seeded:
    return site[1]


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def row_values(page: Page, attribute: str) -> list[str]:
    return [str(value) for value in page.locator("tr.lead-row").evaluate_all(
        f"rows => rows.map(row => row.getAttribute('data-{attribute}'))")]


def test_the_queue_shows_open_leads_by_grade(page: Page, seeded: Seeded) -> None:
    page.goto("/")
    shot(page, "queue")
    grades = row_values(page, "grade")
    assert sorted(row_values(page, "lead")) == sorted(seeded.open)
    assert [GRADES.index(grade) for grade in grades] == sorted(GRADES.index(grade) for grade in grades)
    first = page.locator("tr.lead-row").first
    assert first.locator(".grade").inner_text().split() == ["A", "hot"]
    assert first.locator(".grade").evaluate("badge => getComputedStyle(badge).backgroundColor") == HOT_BACKGROUND
    assert first.locator(".why").inner_text().strip(), "every row says why in one line"


def test_choosing_a_grade_keeps_only_that_grade(page: Page, seeded: Seeded) -> None:
    page.goto("/")
    page.select_option("select[name=grade]", "B")
    page.get_by_role("button", name="Show leads").click()
    page.wait_for_url(lambda url: "grade=B" in url)
    shot(page, "queue-grade-b")
    assert set(row_values(page, "lead")) == {lead for lead, grade in seeded.open.items() if grade == "B"}
    assert set(row_values(page, "grade")) == {"B"}
    assert page.locator("select[name=grade]").input_value() == "B", "the form keeps the choice"


def test_choosing_a_source_keeps_only_that_source(page: Page) -> None:
    page.goto("/")
    page.select_option("select[name=source]", "event")
    page.get_by_role("button", name="Show leads").click()
    page.wait_for_url(lambda url: "source=event" in url)
    shot(page, "queue-source-event")
    sources = row_values(page, "source")
    assert sources and set(sources) == {"event"}


def test_an_overdue_lead_is_marked(page: Page, seeded: Seeded) -> None:
    page.goto("/")
    for lead in seeded.overdue:
        row = page.locator(f"tr.lead-row[data-lead='{lead}']")
        assert "is-overdue" in (row.get_attribute("class") or "")
        assert row.locator(".overdue").inner_text().startswith("⚠ Not contacted yet · overdue by ")
    page.get_by_role("checkbox", name="Overdue only").check()
    page.get_by_role("button", name="Show leads").click()
    page.wait_for_url(lambda url: "overdue=1" in url)
    assert sorted(row_values(page, "lead")) == sorted(seeded.overdue)


def test_clicking_a_lead_opens_its_reasons_and_history(page: Page, seeded: Seeded) -> None:
    page.goto("/")
    page.locator(f"tr.lead-row[data-lead='{seeded.changed}'] a.lead-link").click()
    page.wait_for_url(lambda url: url.endswith(f"/leads/{seeded.changed}"))
    shot(page, "lead")
    assert page.locator("h1").inner_text() == seeded.companies[seeded.changed]
    assert page.locator("#reasons tr").count() >= 1
    assert page.locator("#explanation li").first.inner_text().startswith(f"Grade {seeded.grades[seeded.changed]} (")
    assert page.locator("#history tbody tr").count() == 2
    assert " → " in page.locator("#change li").first.inner_text(), "the grade moved between the two scores"
    page.get_by_role("link", name="← Back to the queue").click()
    page.wait_for_url(lambda url: url.endswith("/"))


def test_markup_in_a_lead_renders_as_text(page: Page, seeded: Seeded) -> None:
    page.goto("/")
    row = page.locator("tr.lead-row", has_text=HOSTILE)
    assert row.locator("a.lead-link").inner_text() == HOSTILE
    row.locator("a.lead-link").click()
    page.wait_for_url(lambda url: url.endswith(f"/leads/{quote(seeded.hostile)}"))
    shot(page, "lead-markup")
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0


def test_a_capped_lead_shows_what_is_missing_and_what_would_raise_it(page: Page, seeded: Seeded) -> None:
    lead = next(lead for lead in seeded.open if lead.startswith("L-curious"))
    page.goto(f"/leads/{lead}")
    shot(page, "lead-suggestions")
    assert "curious-not-buying" in page.locator("#rules code").all_inner_texts()
    assert page.locator("#missing .missing").all_inner_texts()[:1] == ["Buying timeline"]
    suggestions = page.locator("#suggestions li")
    assert suggestions.count() >= 1 and "%" in suggestions.first.locator(".to").inner_text()
