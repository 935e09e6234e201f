"""The words of the seller forms: the choices each form offers, and what the page says once a form was saved."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Choices:
    """Each form field's values with the words a seller reads, in the order offered."""

    kinds: tuple[tuple[str, str], ...] = (("call", "Call"), ("email", "E-mail"), ("meeting", "Meeting"),
                                          ("note", "Note (no contact)"))
    results: tuple[tuple[str, str], ...] = (("", "—"), ("reached", "Reached"), ("no_answer", "No answer"),
                                            ("left_message", "Left a message"), ("bounced", "E-mail bounced"))
    lost_reasons: tuple[tuple[str, str], ...] = (
        ("", "—"), ("price", "Price too high"), ("no_budget", "No budget"), ("timing", "Bad timing"),
        ("competitor", "Chose a competitor"), ("no_need", "No real need"), ("no_response", "Never responded"),
        ("other", "Other (say why below)"))
    feedback: tuple[tuple[str, str], ...] = (("too_high", "The grade is too high"), ("too_low", "The grade is too low"),
                                             ("wrong_rule", "An agreed rule applied wrongly"))

    def word(self, field: str, value: str | None) -> str:
        """The words for a stored value of a field; the value itself when it has none."""
        return dict(getattr(self, field)).get(value or "", value or "")


CHOICES = Choices()
SAVED = {"contact": "Contact logged.", "outcome": "Outcome recorded.",
         "feedback": "Thank you: your report reaches the weekly report."}
