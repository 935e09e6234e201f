"""The seller pages in the reader's language without a browser: html lang, the switch, numbers and dates, the
error pages, and concurrent requests in different languages that never mix."""

from __future__ import annotations

import html
import re
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.serving.seller_leads import Seeded
from tests.serving.test_pages import client, page, seeded, site, store_url

__all__ = ["client", "seeded", "site", "store_url"]  # the seeded site, shared with the page tests


def test_the_queue_in_danish_with_a_switch_that_keeps_the_filters(client: TestClient, seeded: Seeded) -> None:
    text = page(client, "/?lang=da&overdue=1")
    assert '<html lang="da">' in text and "<h1>Åbne leads</h1>" in text and "Vis leads" in text
    assert 'href="/?overdue=1&amp;lang=pl"' in text and 'href="/?overdue=1&amp;lang=en"' in text
    assert 'aria-current="true">Dansk</a>' in text
    assert '<input type="hidden" name="lang" value="da">' in text, "the filter form keeps the language"
    assert "Open leads" not in text and "Show leads" not in text


def test_links_keep_an_asked_language_and_accept_language_needs_none(client: TestClient, seeded: Seeded) -> None:
    asked = page(client, "/?lang=nl")
    assert re.search(r'class="lead-link" href="/leads/[^"?]+\?lang=nl"', asked)
    negotiated = client.get("/", headers={"accept-language": "pl-PL,pl;q=0.9"}).text
    assert '<html lang="pl">' in negotiated and "Otwarte leady" in negotiated
    assert not re.search(r'class="lead-link" href="/leads/[^"]+\?lang=', negotiated)


def test_a_lead_page_in_polish_with_its_numbers(client: TestClient, seeded: Seeded) -> None:
    lead = seeded.overdue[0]
    text = page(client, f"/leads/{lead}?lang=pl")
    assert '<html lang="pl">' in text and "Skąd ta ocena" in text and "Historia wyników" in text
    assert re.search(r"\d+\u00a0% szans na wygraną", text), "Polish writes '31 %'"
    assert re.search(r"\d,\d\d</td>", text), "strengths with a decimal comma"
    assert "Why this grade" not in text


def test_an_error_page_in_the_reader_s_language(client: TestClient) -> None:
    missing = client.get("/leads/L-never?lang=da")
    assert missing.status_code == 404
    text = html.unescape(missing.text)
    assert "Leadet findes ikke" in text and "Leadet 'L-never' er aldrig blevet scoret." in text
    assert '<html lang="da">' in text
    bad = client.get("/?grade=Z", headers={"accept-language": "nl"})
    assert bad.status_code == 422 and "Verzoek niet begrepen" in bad.text
    assert "is geen van de afgesproken klassen" in bad.text
    english = html.unescape(client.get("/leads/L-never").text)
    assert "Lead not found" in english and "No lead 'L-never' has ever been scored." in english


def test_concurrent_pages_in_different_languages_never_mix(client: TestClient, seeded: Seeded) -> None:
    wanted = {"en": "<h1>Open leads</h1>", "da": "<h1>Åbne leads</h1>", "nl": "<h1>Open leads</h1>",
              "pl": "<h1>Otwarte leady</h1>"}
    words = {"en": "Show leads", "da": "Vis leads", "nl": "Leads tonen", "pl": "Pokaż leady"}

    def fetch(code: str) -> tuple[str, str]:
        return code, client.get(f"/?lang={code}").text

    with ThreadPoolExecutor(max_workers=8) as pool:
        for code, text in pool.map(fetch, [code for _ in range(6) for code in wanted]):
            assert f'<html lang="{code}">' in text and wanted[code] in text and words[code] in text
