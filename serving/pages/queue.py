"""The queue page's content: one page of open leads, best grade first, with the why and the follow-up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from serving.language.wording import Wording
from serving.pages.text import Driver, FollowUpState, Grade, drivers, follow_up_state, grade, rule_text, shown
from serving.store.database import LeadStore
from serving.store.lookups import latest_sources, scores_by_id
from serving.store.queue import list_leads
from serving.store.records import FollowUp, LeadQuery, QueueEntry, StoredScore

MAX_DRIVERS = 3
PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueRow:
    """One lead in the queue: grade, score, who, why and the follow-up."""

    lead_id: str
    company: str | None
    grade: Grade
    score: int
    source: str | None
    rule_text: str | None
    drivers: list[Driver]
    follow_up: FollowUpState


@dataclass(frozen=True)
class GradeCount:
    """How many leads of a grade match the other filters."""

    grade: Grade
    count: int
    url: str


@dataclass(frozen=True)
class QueueView:
    """One page of the queue, the counts behind the filters, and the links to the next and previous pages."""

    rows: list[QueueRow]
    total: int
    first: int
    last: int
    overdue: int
    overdue_url: str
    grades: list[GradeCount]
    sources: list[str]
    as_of: dt.datetime
    previous_url: str | None
    next_url: str | None
    source_words: dict[str, str] = field(default_factory=dict)

    def source_label(self, source: str) -> str:
        """A lead source as sellers read it: its label in the page's language, else the code made readable."""
        return self.source_words.get(source) or shown(source)


def queue_view(store: LeadStore, wording: Wording, query: LeadQuery, now: dt.datetime,
               source_field: str = "lead_source") -> QueueView:
    """The queue page for a query of open leads (sources worded as the profile's `source_field` values)."""
    agreement = wording.agreement
    rules = FollowUp(agreement.letters, dict(agreement.follow_up_hours))
    page = list_leads(store, query, rules, now)
    scores = scores_by_id(store, [entry.score_id for entry in page.entries])
    rows = [queue_row(wording, entry, scores.get(entry.score_id), now) for entry in page.entries]
    overdue = list_leads(store, replace(query, overdue=True, limit=1, offset=0), rules, now).total
    sources = latest_sources(store)
    feature = wording.feature(source_field)
    words = {source: feature.value_label(source, wording.code) for source in sources} if feature is not None else {}
    return QueueView(rows, page.total, query.offset + 1 if rows else 0, query.offset + len(rows), overdue,
                     queue_url(replace(query, overdue=True), 0), grade_counts(store, wording, query, rules, now),
                     sources, now, *page_urls(query, page.total), source_words=words)


def queue_row(wording: Wording, entry: QueueEntry, score: StoredScore | None, now: dt.datetime) -> QueueRow:
    """A queue entry with its latest score's company and reasons (none when the score vanished meanwhile)."""
    agreement = wording.agreement
    company = score.fields.get("company") if score is not None else None
    return QueueRow(entry.lead_id, str(company) if company else None,
                    grade(agreement, entry.grade, wording.label(entry.grade, entry.disqualified), entry.disqualified),
                    round(entry.probability * 100), entry.source,
                    rule_text(agreement, entry.deciding_rule, wording.language),
                    drivers(score.reasons, wording)[:MAX_DRIVERS] if score is not None else [],
                    follow_up_state(entry, now, wording.language))


def grade_counts(store: LeadStore, wording: Wording, query: LeadQuery, rules: FollowUp,
                 now: dt.datetime) -> list[GradeCount]:
    """Per agreed grade, the leads matching the query's other filters, and the link to them."""
    agreement, counts = wording.agreement, []
    for letter in agreement.letters:
        of_grade = replace(query, grade=letter)
        found = list_leads(store, replace(of_grade, limit=1, offset=0), rules, now).total
        counts.append(GradeCount(grade(agreement, letter, wording.label(letter, False)), found,
                                 queue_url(of_grade, 0)))
    return counts


def page_urls(query: LeadQuery, total: int) -> tuple[str | None, str | None]:
    """Links to the previous and the next page under the same filters; None at either end."""
    before = max(0, query.offset - query.limit) if query.offset > 0 else None
    after = query.offset + query.limit if query.offset + query.limit < total else None
    return (None if before is None else queue_url(query, before)), (None if after is None else queue_url(query, after))


def queue_url(query: LeadQuery, offset: int) -> str:
    """The queue page's address for a query at an offset (unset filters and defaults left out)."""
    params = {"grade": query.grade, "source": query.source, "overdue": "1" if query.overdue else None,
              "limit": query.limit if query.limit != PAGE_SIZE else None, "offset": offset or None}
    return "/?" + urlencode({key: value for key, value in params.items() if value is not None})
