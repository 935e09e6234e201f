"""The agreement sales and marketing signed: grade thresholds, labels and hard rules, loaded as data.

An agreement file is YAML read with a safe loader; nothing in it is ever executed. Its shape:

    version: "2026-11-01"                    # letters, digits, '.', '_' and '-'
    signed_off: {sales: "Head of Sales", marketing: "Head of Marketing", date: 2026-11-01}  # optional
    grades: {A: 0.50, B: 0.25, C: 0.10}      # calibrated P(won) lower bounds; below the last is D
    labels: {A: hot, B: warm, C: cold, D: not now}
    follow_up_hours: {A: 4, B: 24, C: 72}    # optional, per grade, at most a year
    rules:
      - id: some-rule                        # lower-case letters, digits, '-' and '_'
        text: "What the rule means, in words a seller understands."
        when: <condition>                    # optional for a require rule only
        then: disqualify | {cap: C} | {floor: B} | {require: [phone, email], cap: C}

Conditions are described in `schema`, how lead values are read in `fields`, how rules evaluate in
`predicates`, and every bound (bytes, aliases, rules, conditions, nesting, text lengths) in `limits`.
A loaded Agreement carries the full sha256 of the exact bytes it was read from, and a version made of
the declared version and the first 12 hex characters of that digest.

Precedence (applied in models.grading): start from the model grade; raise to the highest fired
floor; lower to the lowest fired cap (require rules cap too), so a cap beats a floor; a fired
disqualify beats everything (bottom grade, flagged disqualified).
"""

from models.agreement.agreement import Agreement
from models.agreement.default import DEFAULT_AGREEMENT
from models.agreement.errors import AgreementError
from models.agreement.fields import field_kinds
from models.agreement.loading import agreement_from_bytes, load_agreement, parse_agreement
from models.agreement.predicates import Predicate, RuleCheck, compile_condition, missing_test
from models.agreement.schema import (
    DEFAULT_REQUIRE_CAP,
    DISQUALIFIED,
    OPERATORS,
    AgreementFile,
    AllOf,
    AnyOf,
    Cap,
    Condition,
    Effect,
    Floor,
    Leaf,
    NotOf,
    Require,
    Rule,
    SignOff,
    leaves,
)

__all__ = [
    "DEFAULT_AGREEMENT",
    "DEFAULT_REQUIRE_CAP",
    "DISQUALIFIED",
    "OPERATORS",
    "Agreement",
    "AgreementError",
    "AgreementFile",
    "AllOf",
    "AnyOf",
    "Cap",
    "Condition",
    "Effect",
    "Floor",
    "Leaf",
    "NotOf",
    "Predicate",
    "Require",
    "Rule",
    "RuleCheck",
    "SignOff",
    "agreement_from_bytes",
    "compile_condition",
    "field_kinds",
    "leaves",
    "load_agreement",
    "missing_test",
    "parse_agreement",
]
