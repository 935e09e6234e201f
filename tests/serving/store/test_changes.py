"""Why the grade changed: a constructed pair of scores with a new model, a rule that started, a field that moved."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from serving.store.changes import explain_change, grade_change
from serving.store.records import StoredScore
from tests.serving.store.factories import NOON, score_record

LABELS = {"pricing_page_views": "Pricing page views", "demo_requested": "Demo requested"}


def stored(score_id: int, **values: Any) -> StoredScore:
    record = score_record("L-1", **values)
    return StoredScore(id=score_id, **dataclasses.asdict(record))


BEFORE = stored(1, grade="C", model_grade="C", probability=0.12, rules=["contact-data"], deciding_rule="contact-data",
                model_version="leadscore-demo/1", input_hash="a" * 64,
                contributions={"pricing_page_views": -0.30, "demo_requested": 0.80, "country": 0.02},
                fields={"pricing_page_views": 0.0, "demo_requested": True, "country": "DE"})
AFTER = stored(2, scored_at=NOON + dt.timedelta(days=1), grade="B", model_grade="B", probability=0.31,
               rules=["icp-demo"], deciding_rule="icp-demo", model_version="leadscore-demo/2", input_hash="b" * 64,
               contributions={"pricing_page_views": 0.45, "demo_requested": 0.83, "country": 0.02,
                              "website_visits": 0.20},
               fields={"pricing_page_views": 4.0, "demo_requested": True, "country": "DE", "website_visits": 9.0})


def test_a_new_model_a_rule_that_started_and_the_field_that_moved_most() -> None:
    change = grade_change(BEFORE, AFTER)
    assert change.grade_changed and change.new_model and not change.new_agreement and change.inputs_changed
    assert change.rules_started == ("icp-demo",) and change.rules_stopped == ("contact-data",)
    moved = [(m.field, m.change, m.value_before, m.value_after) for m in change.fields]
    # demo_requested moved by 0.03 and country not at all: below the noise floor
    assert moved == [("pricing_page_views", 0.75, 0.0, 4.0), ("website_visits", 0.2, None, 9.0)]


def test_the_change_reads_as_sentences_the_grade_first() -> None:
    lines = explain_change(grade_change(BEFORE, AFTER), LABELS)
    assert lines[0] == "Grade C → B."
    assert "New model: leadscore-demo/2 replaced leadscore-demo/1." in lines
    assert "Rule 'icp-demo' started to apply." in lines and "Rule 'contact-data' no longer applies." in lines
    assert "Pricing page views (0 → 4): its pull on the score went from -0.30 to +0.45 (log-odds)." in lines
    assert "website_visits (not in the CRM → 9): its pull on the score went from +0.00 to +0.20 (log-odds)." in lines


def test_a_new_agreement_alone_is_named() -> None:
    later = dataclasses.replace(BEFORE, id=2, agreement_version="2026-12-01+ffff0000", grade="D", model_grade="C")
    change = grade_change(BEFORE, later)
    assert change.new_agreement and not change.new_model and not change.inputs_changed and change.fields == ()
    assert explain_change(change)[:2] == ["Grade C → D.", "New agreement: 2026-12-01+ffff0000 replaced "
                                                          f"{BEFORE.agreement_version}."]


def test_an_unexplained_score_has_no_field_moves_and_a_rescore_of_the_same_lead_says_so() -> None:
    unexplained = dataclasses.replace(BEFORE, id=2, contributions=None)
    assert grade_change(BEFORE, unexplained).fields == ()
    same = grade_change(BEFORE, dataclasses.replace(BEFORE, id=2))
    assert explain_change(same) == ["Grade C both times.", "Same inputs, model and agreement as before."]
