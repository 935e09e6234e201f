"""The closed-loop commands: `agreement-impact` (what-if of a proposed agreement) and `report` (marketing)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cli.console import err, fail
from features.profile import Profile, ProfileError, load_profile
from features.source import HistoryError, load_history
from features.texts import LANGUAGES
from models.agreement import AgreementError, load_agreement
from models.propensity import ModelLoadError
from models.registry import CHAMPION, LeadModel, Registry, RegistryError
from models.tracking import tracking_uri
from reports.charts import percent
from reports.funnel import FunnelError, build_funnel, funnel_from_history
from reports.funnel_page import write_report
from reports.impact import Impact, WonDeals, compare_agreements
from reports.weekly import profile_labeller
from serving.language.catalog import Language
from serving.language.catalog import language as catalog_language

USER_ERRORS = (ProfileError, HistoryError, AgreementError, FunnelError, ModelLoadError, RegistryError,
               ValueError, OSError)
DEMO_PROFILE, DEMO_AGREEMENT = Path("profiles/demo.yaml"), Path("agreements/demo.yaml")


def champion(profile: Profile) -> LeadModel:
    """The profile's @champion, or a one-line error naming the model and the store."""
    registry = Registry(tracking_uri(), profile.registered_model)
    model = registry.load_alias(CHAMPION)
    if model is None:
        fail(f"no @{CHAMPION} for {registry.name} in {registry.tracking_uri}: run `make train` first")
    return model


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Strict JSON (no NaN), parent folders created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2, allow_nan=False, ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


# --- agreement-impact ---------------------------------------------------------------------------


def agreement_impact(
    proposed: Annotated[Path, typer.Argument(help="The proposed agreement (YAML).")],
    current: Annotated[Path, typer.Option(help="The agreement in force.")] = DEMO_AGREEMENT,
    profile: Annotated[Path, typer.Option(help="Dataset profile (YAML).")] = DEMO_PROFILE,
    data: Annotated[Path | None, typer.Option(help="History file instead of the profile's source.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON.")] = None,
) -> None:
    """Compare a proposed agreement with the current one on closed history scored by the champion."""
    try:
        lead_profile = load_profile(profile)
        today, proposal = load_agreement(current, lead_profile), load_agreement(proposed, lead_profile)
        model = champion(lead_profile)
        closed = load_history(lead_profile, data).closed
        probabilities = model.estimator.predict_proba(closed.frame)
        impact = compare_agreements(today, proposal, closed.frame, probabilities, closed.won,
                                    id_column=lead_profile.id)
        if json_out is not None:
            write_json(json_out, impact.to_dict())
    except USER_ERRORS as exc:
        fail(str(exc))
    print_impact(impact, Console(), model.label)


def print_impact(impact: Impact, console: Console, model: str) -> None:
    """The what-if as rich tables: grades, won deals that move, and the proposed rules."""
    console.print(f"Proposed {impact.proposed_version} against current {impact.current_version} on "
                  f"{impact.leads:,} closed leads ({impact.won:,} won), scored by {model}", highlight=False,
                  soft_wrap=True)
    console.print(grade_table(impact))
    for title, deals in (("Won deals the proposal would disqualify", impact.newly_disqualified),
                         ("Won deals the proposal grades lower (not disqualified)", impact.downgraded),
                         ("Won deals the proposal grades higher", impact.upgraded)):
        console.print(deals_table(title, deals) if deals.count else f"{title}: none", highlight=False)
    console.print(rules_table(impact))
    if impact.removed_rules:
        console.print(f"Rules the proposal drops: {', '.join(impact.removed_rules)}", highlight=False,
                      soft_wrap=True)


def grade_table(impact: Impact) -> Table:
    """Leads, share and win rate per grade, today and proposed."""
    table = Table(title="Grades on history: current -> proposed")
    for column in ("grade", "leads now", "share now", "leads proposed", "share proposed",
                   "win rate now", "win rate proposed"):
        table.add_column(column, justify="left" if column == "grade" else "right")
    for shift in impact.grades:
        table.add_row(shift.grade, f"{shift.before:,}", percent(shift.share_before), f"{shift.after:,}",
                      percent(shift.share_after), percent(shift.win_rate_before),
                      percent(shift.win_rate_after))
    return table


def deals_table(title: str, deals: WonDeals) -> Table:
    """A finding's count in the title and its first listed won deals."""
    shown = f" (first {len(deals.listed)})" if deals.count > len(deals.listed) else ""
    table = Table(title=f"{title}: {deals.count:,}{shown}")
    for column in ("lead", "grade now", "grade proposed", "decided by"):
        table.add_column(column)
    for deal in deals.listed:
        table.add_row(Text(deal.lead_id), deal.before, deal.after, deal.rule or "the grade thresholds")
    return table


def rules_table(impact: Impact) -> Table:
    """Per proposed rule: leads caught, won among them (its cost), and where it decided the grade."""
    table = Table(title="Proposed rules on history")
    for column in ("rule", "effect", "status", "caught", "won", "win rate", "decided", "won decided"):
        table.add_column(column, justify="right" if column in ("caught", "won", "win rate", "decided",
                                                                 "won decided") else "left")
    for rule in impact.rules:
        table.add_row(rule.id, rule.effect, rule.status, f"{rule.caught:,}", f"{rule.won:,}",
                      percent(rule.win_rate), f"{rule.decided:,}", f"{rule.decided_won:,}")
    return table


# --- report -------------------------------------------------------------------------------------


def report(
    profile: Annotated[Path, typer.Option(help="Dataset profile (YAML).")] = DEMO_PROFILE,
    agreement: Annotated[Path, typer.Option(help="The agreement in force.")] = DEMO_AGREEMENT,
    data: Annotated[Path | None, typer.Option(help="History file instead of the profile's source.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day of the period (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Day after the period (YYYY-MM-DD).")] = None,
    out: Annotated[Path, typer.Option(help="Folder for funnel.json and funnel.html.")] = Path("data/reports"),
    source: Annotated[str, typer.Option(help="'store': what the service scored and the outcomes sellers posted; "
                                         "'history': the profile's history scored by the champion; 'auto': the "
                                         "store once it holds scored leads, else the history.")] = "auto",
    language: Annotated[str, typer.Option(help="Language of the HTML report: en, da, nl or pl.")] = "en",
) -> None:
    """Write the marketing report (funnel.json, funnel.html) from the lead store or the scored history."""
    if language not in LANGUAGES:
        fail(f"language {language!r} is not served (languages: {', '.join(LANGUAGES)})")
    reader = catalog_language(language)
    try:
        lead_profile = load_profile(profile)
        terms = load_agreement(agreement, lead_profile)
        period = parse_period(start, end)
        stored = store_leads() if source in ("auto", "store") else None
        if stored is not None and (len(stored) or source == "store"):
            scored, origin = stored, store_about(reader)
        else:
            model = champion(lead_profile)
            history = load_history(lead_profile, data)
            scored = funnel_from_history(history, model, terms, id_column=lead_profile.id)
            origin = about(lead_profile, data, model, reader)
        funnel = build_funnel(scored, terms, *period, about=origin,
                              labeller=profile_labeller(lead_profile, {}, language), code=language)
        json_path, html_path = write_report(funnel, out, reader, language)
    except USER_ERRORS as exc:
        fail(str(exc))
    total = funnel.total
    err.print(f"wrote {json_path} and {html_path}: {total.leads:,} leads, {total.won:,} won, "
              f"{total.lost:,} lost, {total.open:,} open, win rate {percent(total.win_rate)}",
              highlight=False, soft_wrap=True)


def store_leads() -> Any:
    """Scored leads of the lead store the service settings name (LEADSCORE_STORE_URL / LEADSCORE_DATA_DIR)."""
    from serving.settings import Settings
    from serving.store.database import LeadStore
    from serving.store.errors import StoreError
    from serving.store.funnel_frame import scored_leads

    store = LeadStore(Settings().lead_store_url)
    try:
        store.open()
        return scored_leads(store)
    except StoreError as exc:
        raise ValueError(f"lead store {store.name}: {exc}") from None
    finally:
        store.engine.dispose()


def parse_period(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    """--from and --to as dates; --from must come before --to."""
    first, last = _day(start, "--from"), _day(end, "--to")
    if first is not None and last is not None and first >= last:
        raise ValueError(f"--from {start} is not before --to {end}: the period is [from, to)")
    return first, last


def _day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{option} {text!r} is not a date (write YYYY-MM-DD)") from None


def store_about(reader: Language) -> dict[str, str]:
    """Where the figures come from when the lead store holds them, in the report's language."""
    _ = reader.gettext
    return {_("lead store"): _("latest score of each lead with its newest outcome")}


def about(profile: Profile, data: Path | None, model: LeadModel, reader: Language) -> dict[str, str]:
    """Where the report's figures come from, printed at the top of the page in the report's language."""
    _ = reader.gettext
    history = str(data) if data is not None else _("the source of profile {name}").format(name=repr(profile.name))
    return {
        _("history"): history,
        _("model"): f"{model.label} (@{CHAMPION})",
        _("scored at"): _("each lead's creation time: the history records no scoring time"),
        _("caution"): _("the model was trained on most of these leads, so grades look better calibrated here than "
                        "on new leads; the holdout figures in MLflow are the honest ones"),
    }
