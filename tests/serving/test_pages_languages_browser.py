"""The seller pages in Danish and Polish in a real browser: the queue and a lead page with ?lang=, the language
kept across links and forms, the switch between languages. Screenshots go to tests/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests.serving.conftest import scored_site
from tests.serving.test_pages_browser import SCREENSHOTS, browser
from training.job import TrainResult

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the Chromium fixture, shared with the page tests


@pytest.fixture(scope="module")
def site(trained: TrainResult, tracking_uri: str, tmp_path_factory: pytest.TempPathFactory,
         example: dict[str, Any], modest: dict[str, Any]) -> Iterator[str]:
    """A uvicorn process with a lead store of its own holding three scored leads; its base URL."""
    leads = [{**example, "lead_id": "L-lang-1", "company": "Nordlicht Systems GmbH"},
             {**modest, "lead_id": "L-lang-2", "company": "Kowalski Logistyka Sp. z o.o."},
             {**modest, "lead_id": "L-lang-3", "company": "Hansen & Søn ApS", "phone": None, "campaign": None}]
    with scored_site(tmp_path_factory.mktemp("languages-browser"), tracking_uri, leads) as base_url:
        yield base_url


@pytest.fixture()
def page(browser: Browser, site: str) -> Iterator[Page]:
    context = browser.new_context(base_url=site, viewport={"width": 1000, "height": 800})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    """A full-page screenshot, 1000 px wide, for a person to look at (256 colours: small enough to commit)."""
    from PIL import Image

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(256)
    small.save(path, optimize=True)


def test_the_queue_and_a_lead_page_in_danish(page: Page) -> None:
    page.goto("/?lang=da")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator("h1").inner_text() == "Åbne leads"
    assert page.get_by_role("button", name="Vis leads").count() == 1
    text = page.locator("main").inner_text()
    assert "3 åbne" in text and "Ikke kontaktet endnu" in text and "Aftalt opfølgning:" in text
    assert {"varm", "lun", "kold"} & set(page.locator(".grade-chip").all_inner_texts()[0].split())
    assert page.locator(".languages a[aria-current]").inner_text() == "Dansk"
    shot(page, "queue-da")

    page.locator("a.lead-link", has_text="Hansen & Søn ApS").click()
    page.wait_for_load_state()
    assert "lang=da" in page.url and page.locator("html").get_attribute("lang") == "da"
    assert page.locator("#explanation h2").text_content() == "Hvorfor denne karakter"
    assert page.locator("#missing h2").text_content() == "Mangler i CRM"
    assert "Intet telefonnummer i CRM" in page.locator("#rules").inner_text()
    assert "Telefon: ikke i CRM" in page.locator(".contact").inner_text()
    assert "chance for at vinde" in page.locator(".lead-head").inner_text()
    shot(page, "lead-da")

    page.locator("#contact-form").get_by_role("button", name="Registrér kontakt").click()
    page.wait_for_url(lambda url: "saved=contact" in url and "lang=da" in url)
    assert page.locator(".notice").inner_text() == "Kontakten er registreret."
    assert "Opkald" in page.locator("#activities li").last.inner_text()


def test_the_queue_and_a_lead_page_in_polish(page: Page) -> None:
    page.goto("/?lang=pl")
    assert page.locator("html").get_attribute("lang") == "pl"
    assert page.locator("h1").inner_text() == "Otwarte leady"
    text = page.locator("main").inner_text()
    assert "3 otwarte" in text and "Pokaż leady" in text and "Wyczyść filtry" in text
    assert page.locator("th.c-grade").text_content() == "Ocena"
    shot(page, "queue-pl")

    page.locator("a.lead-link", has_text="Kowalski Logistyka").click()
    page.wait_for_load_state()
    assert "lang=pl" in page.url and page.locator("html").get_attribute("lang") == "pl"
    assert page.locator("#explanation h2").text_content() == "Skąd ta ocena"
    assert page.locator("#explanation li").first.inner_text().startswith("Ocena ")
    assert page.locator("#outcome legend").text_content() == "Zapisz rozstrzygnięcie"
    assert page.locator("#history th").first.text_content() == "Oceniono"
    assert "\u00a0%" in page.locator(".lead-head .meta").last.inner_text(), "Polish writes '31 %'"
    shot(page, "lead-pl")


def test_the_switch_keeps_the_page_and_its_filters(page: Page) -> None:
    page.goto("/?lang=da&overdue=1")
    page.locator(".languages a", has_text="Polski").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "pl"
    assert "overdue=1" in page.url and "lang=pl" in page.url
    page.context.set_extra_http_headers({"accept-language": "nl-NL,nl;q=0.9"})
    page.goto("/leads/L-lang-1")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("#explanation h2").text_content() == "Waarom deze klasse"
