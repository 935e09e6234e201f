"""The seller forms in a real browser: a seller logs a call from the queue and from the lead page, records an
outcome, and the queue shows it; a post without the page's token is refused. Screenshots go to tests/screenshots/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.serving.conftest import scored_site
from tests.serving.test_pages_browser import browser, row_values, shot
from training.job import TrainResult

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the Chromium fixture, shared with the page tests
LEADS = ("L-form-1", "L-form-2", "L-form-3")


@pytest.fixture(scope="module")
def site(trained: TrainResult, tracking_uri: str, tmp_path_factory: pytest.TempPathFactory,
         example: dict[str, Any]) -> Iterator[str]:
    """A uvicorn process with a lead store of its own holding three scored leads; its base URL."""
    leads = [{**example, "lead_id": lead_id, "company": f"Form Test {i + 1} GmbH"} for i, lead_id in enumerate(LEADS)]
    with scored_site(tmp_path_factory.mktemp("forms-browser"), tracking_uri, leads) as base_url:
        yield base_url


@pytest.fixture()
def page(browser: Browser, site: str) -> Iterator[Page]:
    context = browser.new_context(base_url=site, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    yield opened
    context.close()


def row(page: Page, lead_id: str) -> Any:
    return page.locator(f"tr.lead-row[data-lead='{lead_id}']")


def test_a_seller_logs_a_call_from_the_queue_in_one_click(page: Page) -> None:
    page.goto("/")
    assert row(page, LEADS[0]).locator(".due").inner_text().startswith("Not contacted yet · due in ")
    row(page, LEADS[0]).get_by_role("button", name="Log a call").click()
    page.wait_for_load_state()
    assert page.url.endswith("/")
    assert row(page, LEADS[0]).locator(".due").inner_text() == "Last contact 0 min ago"
    shot(page, "queue-after-log-a-call")


def test_a_seller_logs_a_call_and_records_an_outcome_on_the_lead_page(page: Page) -> None:
    lead_id = LEADS[1]
    page.goto(f"/leads/{lead_id}")
    form = page.locator("#contact-form")
    form.locator("select[name=kind]").select_option("call")
    form.locator("select[name=result]").select_option("reached")
    form.locator("input[name=by]").fill("Ana Silva")
    form.locator("textarea[name=note]").fill("Budget approved; wants a quote for 40 seats.")
    form.get_by_role("button", name="Log contact").click()
    page.wait_for_url(lambda url: "saved=contact" in url)
    assert page.locator(".notice").inner_text() == "Contact logged."
    assert "Ana Silva" in page.locator("#activities li").last.inner_text()
    shot(page, "lead-contact-logged")

    outcome = page.locator("#outcome-form")
    outcome.get_by_role("radio", name="Lost").check()
    outcome.locator("select[name=lost_reason]").select_option("competitor")
    outcome.locator("textarea[name=comment]").fill("Went with the incumbent.")
    outcome.get_by_role("button", name="Record outcome").click()
    page.wait_for_url(lambda url: "saved=outcome" in url)
    assert "Lost" in page.locator("#outcome li").first.inner_text()
    assert "Chose a competitor" in page.locator("#outcome li").first.inner_text()
    assert page.locator("#outcome-form").count() == 0, "a final outcome closes the form"
    shot(page, "lead-outcome-recorded")

    page.goto("/")
    assert lead_id not in row_values(page, "lead"), "a lost lead leaves the open queue"
    assert LEADS[2] in row_values(page, "lead")


def test_a_post_without_the_token_is_refused(page: Page, site: str) -> None:
    page.goto(f"/leads/{LEADS[2]}")  # the browser holds a token cookie now
    refused = page.request.post(f"/leads/{LEADS[2]}/activities", form={"kind": "call"})
    assert refused.status == 403 and "security token" in refused.text()
    page.goto(f"/leads/{LEADS[2]}")
    assert page.locator("#activities li").count() == 0
    assert httpx.get(f"{site}/v1/leads/{LEADS[2]}").json()["activities"] == []
