"""The `weekly` command: the weekly closed-loop report from the lead store, as JSON, HTML and CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from cli.console import err, fail
from features.profile import ProfileError, load_profile
from features.texts import LANGUAGES
from models.agreement import AgreementError, load_agreement
from reports.weekly import profile_labeller, weekly_report
from reports.weekly_page import write_weekly
from serving.language.catalog import language as catalog_language
from serving.settings import Settings
from serving.store.database import LeadStore
from serving.store.errors import StoreError
from serving.store.records import FollowUp
from serving.store.weekly_frame import weekly_data

DEMO_PROFILE, DEMO_AGREEMENT = Path("profiles/demo.yaml"), Path("agreements/demo.yaml")


def weekly(
    profile: Annotated[Path, typer.Option(help="Dataset profile (YAML).")] = DEMO_PROFILE,
    agreement: Annotated[Path, typer.Option(help="The agreement in force.")] = DEMO_AGREEMENT,
    end: Annotated[str | None, typer.Option(help="A day of the window's last week (YYYY-MM-DD; default today).")]
    = None,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Whole weeks in the window.")] = 4,
    out: Annotated[Path, typer.Option(help="Folder for weekly.json, weekly.html and the CSV.")] = Path("data/reports"),
    language: Annotated[str, typer.Option(help="Language of the HTML report: en, da, nl or pl.")] = "en",
) -> None:
    """Write the weekly closed-loop report from the lead store the service settings name."""
    if language not in LANGUAGES:
        fail(f"language {language!r} is not served (languages: {', '.join(LANGUAGES)})")
    reader = catalog_language(language)
    settings = Settings()
    store = LeadStore(settings.lead_store_url)
    try:
        lead_profile = load_profile(profile)
        terms = load_agreement(agreement, lead_profile)
        day = dt.date.fromisoformat(end) if end else dt.datetime.now(dt.UTC).date()
        data = weekly_data(store, FollowUp(terms.letters, dict(terms.follow_up_hours)))
        columns = {"campaign": "campaign", "source": settings.source_field or "lead_source"}
        report = weekly_report(data, terms, profile_labeller(lead_profile, columns, language), day, weeks, language)
        written = write_weekly(report, out, reader, language)
    except (ProfileError, AgreementError, StoreError, ValueError, OSError) as exc:
        fail(str(exc))
    finally:
        store.close()
    leads = sum(row["leads"] for row in report.sections["trend"][-weeks:])
    err.print(f"wrote {len(written)} files to {out}: {leads:,} leads in the {weeks} weeks to "
              f"{report.window.end.date()}", highlight=False, soft_wrap=True)
