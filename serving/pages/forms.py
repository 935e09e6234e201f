"""The words of the seller forms: the choices each form offers, and what the page says once a form was saved."""

from __future__ import annotations

from dataclasses import dataclass

from serving.pages.i18n import N_


@dataclass(frozen=True)
class Choices:
    """Each form field's values with the words a seller reads, in the order offered."""

    # The words are catalog messages: the templates show them through gettext.
    kinds: tuple[tuple[str, str], ...] = (("call", N_("Call")), ("email", N_("E-mail")), ("meeting", N_("Meeting")),
                                          ("note", N_("Note (no contact)")))
    results: tuple[tuple[str, str], ...] = (("", "—"), ("reached", N_("Reached")), ("no_answer", N_("No answer")),
                                            ("left_message", N_("Left a message")),
                                            ("bounced", N_("E-mail bounced")))
    lost_reasons: tuple[tuple[str, str], ...] = (
        ("", "—"), ("price", N_("Price too high")), ("no_budget", N_("No budget")), ("timing", N_("Bad timing")),
        ("competitor", N_("Chose a competitor")), ("no_need", N_("No real need")),
        ("no_response", N_("Never responded")), ("other", N_("Other (say why below)")))
    feedback: tuple[tuple[str, str], ...] = (("too_high", N_("The grade is too high")),
                                             ("too_low", N_("The grade is too low")),
                                             ("wrong_rule", N_("An agreed rule applied wrongly")))

    def word(self, field: str, value: str | None) -> str:
        """The words for a stored value of a field; the value itself when it has none."""
        return dict(getattr(self, field)).get(value or "", value or "")


CHOICES = Choices()
SAVED = {"contact": N_("Contact logged."), "outcome": N_("Outcome recorded."),
         "feedback": N_("Thank you: your report reaches the weekly report.")}
