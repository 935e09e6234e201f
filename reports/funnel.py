"""Closed-loop figures for marketing: outcomes by grade, source and campaign, rule cost, grade calibration.

The input is a table of scored leads with their outcomes, one row per lead:

    lead_id      the lead
    scored_at    when it was scored (datetime; the period filter reads it)
    probability  the calibrated P(won) the model gave
    grade        the agreed grade it got
    rules        the ids of the agreed rules that fired (a list; empty or None when none did)
    outcome      "won", "lost", "recycled" (handed back to marketing) or empty (still open)
    ...          any lead fields, e.g. lead_source and campaign

The lead store supplies this table; `funnel_from_history` builds it from a profile's history and a model.
Win rate is won / (won + lost): recycled and open leads have no verdict yet.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import pandas as pd

from features.source import History
from models.agreement import Agreement
from models.grading import grade_frame

COLUMNS = ("lead_id", "scored_at", "probability", "grade", "rules", "outcome")
WON, LOST, RECYCLED = "won", "lost", "recycled"
NONE_KEY = "(none)"  # the group of leads without a source or campaign


class FunnelError(ValueError):
    """A scored-lead table the report cannot use: names the column or value at fault."""


class Predicts(Protocol):
    """Anything that turns a table of leads into calibrated P(won)."""

    def predict_proba(self, leads: pd.DataFrame) -> np.ndarray: ...


class HasEstimator(Protocol):
    """A Scorer or a LeadModel: something holding an estimator."""

    @property
    def estimator(self) -> Predicts: ...


@dataclass(frozen=True, slots=True)
class Outcomes:
    """How one group of leads turned out."""

    key: str
    leads: int
    won: int
    lost: int
    recycled: int
    open: int
    label: str = ""  # the words sellers read for the key (a value label), when it has one

    @property
    def shown(self) -> str:
        return self.label or self.key

    @property
    def closed(self) -> int:
        """Leads with a verdict: won or lost."""
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        """won / (won + lost); None when nothing closed."""
        return self.won / self.closed if self.closed else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        labelled = {"label": self.label} if self.label else {}
        return {"key": self.key, **labelled, "leads": self.leads, "won": self.won, "lost": self.lost,
                "recycled": self.recycled, "open": self.open, "win_rate": _number(self.win_rate)}


@dataclass(frozen=True, slots=True)
class RuleCost:
    """An agreed rule and how the leads it caught turned out; `won` is what it cost in won deals."""

    id: str
    effect: str | None  # None for a rule that fired but is not in this agreement (an older version)
    text: str | None
    outcomes: Outcomes

    @property
    def caught(self) -> int:
        """Leads the rule fired on."""
        return self.outcomes.leads

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        counts = self.outcomes.to_dict()
        del counts["key"]
        caught = counts.pop("leads")
        return {"id": self.id, "effect": self.effect, "text": self.text, "caught": caught, **counts}


@dataclass(frozen=True, slots=True)
class Band:
    """One probability band of the agreed thresholds: what the model promised against what happened."""

    grade: str
    lower: float
    upper: float
    leads: int  # closed leads in the band
    won: int
    mean_probability: float | None

    @property
    def win_rate(self) -> float | None:
        """The actual win rate in the band; None when it holds no closed lead."""
        return self.won / self.leads if self.leads else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {"grade": self.grade, "lower": self.lower, "upper": self.upper, "leads": self.leads,
                "won": self.won, "mean_probability": _number(self.mean_probability),
                "win_rate": _number(self.win_rate)}


@dataclass(frozen=True)
class Funnel:
    """The marketing report's figures for one period."""

    start: dt.datetime | None
    end: dt.datetime | None
    agreement_version: str
    total: Outcomes
    by_grade: tuple[Outcomes, ...]
    by_source: tuple[Outcomes, ...]
    by_campaign: tuple[Outcomes, ...]
    rules: tuple[RuleCost, ...]
    calibration: tuple[Band, ...]
    about: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: dates as ISO text, no NaN (None instead)."""
        return {
            "period": {"from": _iso(self.start), "to": _iso(self.end)},
            "agreement_version": self.agreement_version,
            "about": dict(self.about),
            "total": self.total.to_dict(),
            "by_grade": [row.to_dict() for row in self.by_grade],
            "by_source": [row.to_dict() for row in self.by_source],
            "by_campaign": [row.to_dict() for row in self.by_campaign],
            "rules": [row.to_dict() for row in self.rules],
            "calibration": [row.to_dict() for row in self.calibration],
        }


# --- building -----------------------------------------------------------------------------------


def build_funnel(
    scored: pd.DataFrame,
    agreement: Agreement,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
    *,
    source_column: str = "lead_source",
    campaign_column: str = "campaign",
    about: Mapping[str, str] | None = None,
    labeller: Callable[[str, object], str] | None = None,
    code: str = "en",
) -> Funnel:
    """The report's figures for the leads scored in [start, end) (rule texts in `code`); a missing breakdown
    column gives no rows."""
    check_scored(scored)
    start_at, end_at = _as_datetime(start, "start"), _as_datetime(end, "end")
    leads = in_period(scored, start_at, end_at)
    outcome = outcome_codes(leads["outcome"], leads["lead_id"])
    return Funnel(
        start=start_at,
        end=end_at,
        agreement_version=agreement.version,
        total=tally("all leads", outcome),
        by_grade=by_grade(leads["grade"], outcome, agreement.letters),
        by_source=by_value(leads, source_column, outcome, labeller),
        by_campaign=by_value(leads, campaign_column, outcome, labeller),
        rules=rule_costs(leads["rules"], outcome, agreement, code),
        calibration=calibration(leads["probability"].to_numpy(dtype=float), outcome, agreement),
        about=dict(about or {}),
    )


def check_scored(scored: pd.DataFrame) -> None:
    """Every column the report reads must be there."""
    missing = [name for name in COLUMNS if name not in scored.columns]
    if missing:
        raise FunnelError(f"scored leads: column {missing[0]!r} is missing (need {', '.join(COLUMNS)})")


def in_period(scored: pd.DataFrame, start: dt.datetime | None, end: dt.datetime | None) -> pd.DataFrame:
    """The rows scored in [start, end); no bound keeps every row, even one without a time."""
    if start is None and end is None:
        return scored
    times = scored["scored_at"]
    if not pd.api.types.is_datetime64_any_dtype(times):
        raise FunnelError(f"scored leads: column 'scored_at' holds {times.dtype}, not dates; "
                          "a period needs dates")
    keep = np.ones(len(scored), dtype=bool)
    if start is not None:
        keep &= (times >= _like(start, times)).to_numpy()
    if end is not None:
        keep &= (times < _like(end, times)).to_numpy()
    return scored[keep]


def _as_datetime(value: dt.datetime | dt.date | None, name: str) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    raise FunnelError(f"period {name} {value!r} is not a date or datetime")


def _like(bound: dt.datetime, times: pd.Series) -> pd.Timestamp:
    """The bound in the column's time zone; a naive bound on an aware column is read as UTC."""
    stamp = pd.Timestamp(bound)
    zone = getattr(times.dtype, "tz", None)
    if zone is not None and stamp.tzinfo is None:
        return stamp.tz_localize("UTC").tz_convert(zone)
    if zone is None and stamp.tzinfo is not None:
        return stamp.tz_convert("UTC").tz_localize(None)
    return stamp


def outcome_codes(outcome: pd.Series, ids: pd.Series) -> np.ndarray:
    """Each lead's outcome as won, lost, recycled or '' (open); anything else is refused."""
    codes = np.array([_outcome(value) for value in outcome], dtype=object)
    known = np.isin(codes, [WON, LOST, RECYCLED, ""])
    if not known.all():
        first = int(np.argmin(known))
        raise FunnelError(f"scored leads: outcome {outcome.iloc[first]!r} of lead {ids.iloc[first]!r} "
                          f"is not {WON}, {LOST}, {RECYCLED} or empty")
    return codes


def _outcome(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip().lower()


def tally(key: str, outcome: np.ndarray) -> Outcomes:
    """Count a group's leads by outcome."""
    return Outcomes(key=key, leads=len(outcome), won=int((outcome == WON).sum()),
                    lost=int((outcome == LOST).sum()), recycled=int((outcome == RECYCLED).sum()),
                    open=int((outcome == "").sum()))


def by_grade(grades: pd.Series, outcome: np.ndarray, letters: Sequence[str]) -> tuple[Outcomes, ...]:
    """One row per agreed grade, best first (empty grades included), then any grade the agreement lacks."""
    values = grades.astype(object).to_numpy()
    others = sorted({str(g) for g in values if g is not None and g == g} - set(letters))
    return tuple(tally(letter, outcome[values == letter]) for letter in (*letters, *others))


def by_value(leads: pd.DataFrame, column: str, outcome: np.ndarray,
             labeller: Callable[[str, object], str] | None = None) -> tuple[Outcomes, ...]:
    """One row per value of a lead field, most leads first; leads without a value form '(none)'."""
    if column not in leads.columns:
        return ()
    keys = np.array([_key(value) for value in leads[column]], dtype=object)
    rows = [replace(tally(key, outcome[keys == key]),
                    label=labeller(column, key) if labeller is not None and key != NONE_KEY else "")
            for key in dict.fromkeys(keys)]
    return tuple(sorted(rows, key=lambda row: (row.key == NONE_KEY, -row.leads, row.key)))


def _key(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NONE_KEY
    return str(value).strip() or NONE_KEY


def rule_costs(fired: pd.Series, outcome: np.ndarray, agreement: Agreement, code: str = "en") -> tuple[RuleCost, ...]:
    """For every agreed rule (then any other rule that fired): the leads it caught and how they turned out, with
    the rule's text in `code`."""
    lists = [_ids(value) for value in fired]
    seen = dict.fromkeys(rule for ids in lists for rule in ids)
    agreed = {check.id: check for check in agreement.checks}
    costs = []
    for rule_id in (*agreed, *(r for r in seen if r not in agreed)):
        caught = np.fromiter((rule_id in ids for ids in lists), dtype=bool, count=len(lists))
        check = agreed.get(rule_id)
        costs.append(RuleCost(rule_id, check.summary if check else None, agreement.rule_text(rule_id, code),
                              tally(rule_id, outcome[caught])))
    return tuple(costs)


def _ids(value: Any) -> tuple[str, ...]:
    """A fired-rules cell as rule ids: a list, tuple or array (Parquet gives arrays); empty when none."""
    if value is None or isinstance(value, float):  # None or NaN: no rule fired
        return ()
    if isinstance(value, str):
        raise FunnelError(f"scored leads: column 'rules' holds text {value!r}; it needs a list of rule ids")
    return tuple(str(rule) for rule in value)


def calibration(probabilities: np.ndarray, outcome: np.ndarray, agreement: Agreement) -> tuple[Band, ...]:
    """Per band of the agreed thresholds (best first): closed leads, mean P(won) and actual win rate."""
    closed = np.isin(outcome, [WON, LOST]) & ~np.isnan(probabilities)
    p, won = probabilities[closed], outcome[closed] == WON
    bounds = np.asarray(agreement.bounds, dtype=float)
    ranks = (p[:, None] < bounds[None, :]).sum(axis=1)
    uppers, lowers = (1.0, *agreement.bounds), (*agreement.bounds, 0.0)
    bands = []
    for rank, letter in enumerate(agreement.letters):
        inside = ranks == rank
        mean = float(p[inside].mean()) if inside.any() else None
        bands.append(Band(letter, lowers[rank], uppers[rank], int(inside.sum()), int(won[inside].sum()),
                          mean))
    return tuple(bands)


# --- from a profile's history -------------------------------------------------------------------


def funnel_from_history(
    history: History,
    scored: HasEstimator | np.ndarray | Sequence[float],
    agreement: Agreement,
    *,
    id_column: str = "lead_id",
) -> pd.DataFrame:
    """The scored-lead table for a history: P(won) from the model (or given), graded by the agreement.

    A history knows when each lead was created, not when it was scored, so `scored_at` is the lead's
    creation time: a lead is scored when it arrives.
    """
    leads = history.frame
    probabilities = _probabilities(scored, leads)
    graded = grade_frame(agreement, probabilities, leads)
    fields = leads.drop(columns=[c for c in (*COLUMNS, id_column) if c in leads.columns])
    table = pd.DataFrame({
        "lead_id": leads[id_column].astype(object).to_numpy(),
        "scored_at": history.time.to_numpy(),
        "probability": probabilities,
        "grade": graded["grade"].to_numpy(),
        "rules": graded["rules"].to_numpy(),
        # object dtype keeps an open lead's outcome as None, as the lead store gives it, not NaN
        "outcome": pd.Series(_outcome_words(history.won), dtype=object, index=leads.index),
    }, index=leads.index)
    return pd.concat([table, fields], axis=1).reset_index(drop=True)


def _probabilities(scored: HasEstimator | np.ndarray | Sequence[float], leads: pd.DataFrame) -> np.ndarray:
    if hasattr(scored, "estimator"):
        return np.asarray(scored.estimator.predict_proba(leads), dtype=float)
    return np.asarray(scored, dtype=float).reshape(-1)


def _outcome_words(won: np.ndarray) -> np.ndarray:
    """1 -> won, 0 -> lost, NaN -> None (open)."""
    words = np.full(len(won), None, dtype=object)
    words[won == 1.0] = WON
    words[won == 0.0] = LOST
    return words


# --- JSON helpers -------------------------------------------------------------------------------


def _number(value: float | None) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    return None if value is None or not math.isfinite(value) else float(value)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()

