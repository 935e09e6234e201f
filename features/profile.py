"""Dataset profile: a declarative, validated description of one history source."""

from __future__ import annotations

import os
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from features.texts import Text, check_languages, in_language, readable_code


class ProfileError(ValueError):
    """A dataset profile that cannot be used, with the field and the problem."""


class FeatureKind(StrEnum):
    categorical = "categorical"
    numeric = "numeric"
    boolean = "boolean"
    date = "date"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Join(_Strict):
    """A lookup table joined onto the history (left join on `on`)."""

    path: str
    on: str
    right_on: str | None = None
    value_maps: dict[str, dict[Any, Any]] = Field(default_factory=dict)  # keys may be numbers (999: null)
    read: dict[str, Any] = Field(default_factory=dict)
    # A new yes/no column: whether the lead has a row in this table (how "won when the lead is in the
    # closed-deals file" is said: `outcome: {column: <matched>, won: [true], lost: [false]}`).
    matched: str | None = None
    # A table with several rows per key (several deals for one contact) keeps its first row per key when
    # this says "first"; otherwise such a table is refused, since a left join would repeat the lead.
    duplicates: Literal["refuse", "first"] = "refuse"

    @model_validator(mode="before")
    @classmethod
    def _yaml_on(cls, data: Any) -> Any:
        # YAML 1.1 reads an unquoted `on:` key as the boolean true; take it as the join column.
        if isinstance(data, dict) and True in data and "on" not in data:
            return {("on" if key is True else key): value for key, value in data.items()}
        return data


class Source(_Strict):
    """Where the history lives: a CSV or Parquet file, or an SQL table or query."""

    path: str | None = None
    url: str | None = None
    table: str | None = None
    query: str | None = None
    read: dict[str, Any] = Field(default_factory=dict)
    missing_values: list[str] = Field(default_factory=list)
    value_maps: dict[str, dict[Any, Any]] = Field(default_factory=dict)  # keys may be numbers (999: null)
    drop_columns: list[str] = Field(default_factory=list)
    joins: list[Join] = Field(default_factory=list)
    # Columns holding one JSON object per row whose keys become columns (how the lead store keeps fields).
    json_columns: list[str] = Field(default_factory=list)
    # For histories without an id: the profile's `id` becomes a new column holding each data row's
    # 1-based position in the file, which stays stable as long as the file is only appended to.
    row_id: bool = False
    # For histories without a time: a new column of that name holding each row's 1-based file position,
    # to order leads by when they were added to the file.
    position_column: str | None = None

    @model_validator(mode="after")
    def _one_location(self) -> Source:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of 'path' (CSV/Parquet) or 'url' (SQLAlchemy URL)")
        if self.url is not None and (self.table is None) == (self.query is None):
            raise ValueError("an SQL source needs exactly one of 'table' or 'query'")
        return self


class Outcome(_Strict):
    """The outcome column and which of its values mean won, lost and still open (empty is open).

    `won_when: filled` says won when the column holds anything (a won date), lost otherwise. With
    `lost_after_days`, a lead not won is open until it is that many days older than the newest lead in
    the history, then lost: the newest lead time stands for the export's date, and keeps the labels of one
    file the same whenever it is read.
    """

    column: str
    won: list[Any] = Field(default_factory=list)
    lost: list[Any] = Field(default_factory=list)
    open: list[Any] = Field(default_factory=list)
    won_when: Literal["filled"] | None = None
    lost_after_days: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _disjoint(self) -> Outcome:
        if self.won_when is not None:
            if self.won or self.lost or self.open:
                raise ValueError("won_when: filled decides every lead: leave out 'won', 'lost' and 'open'")
            return self
        if not self.won or not self.lost:
            raise ValueError("'won' and 'lost' each need at least one value (or say won_when: filled)")
        groups = {"won": self.won, "lost": self.lost, "open": self.open}
        seen: dict[str, str] = {}
        for group, values in groups.items():
            for value in map(str, values):
                if value in seen:
                    raise ValueError(f"value '{value}' is listed as both {seen[value]} and {group}")
                seen[value] = group
        return self


class MonthSequence(_Strict):
    """Derive a date from a month-name column in file order (a wrap to an earlier month is a new year)."""

    month_column: str
    start_year: int
    day_column: str | None = None
    # Files in date order (e.g. Bank Marketing) may spread a month's rows over its days in file order,
    # so a time split can cut inside a month instead of moving the whole month to one side.
    spread_in_month: bool = False

    @model_validator(mode="after")
    def _one_day_source(self) -> MonthSequence:
        if self.spread_in_month and self.day_column is not None:
            raise ValueError(f"give either 'day_column' ({self.day_column!r}) or 'spread_in_month', not both")
        return self


class TimeSpec(_Strict):
    """When each lead was created: a date column, a sortable number, or a derived date."""

    column: str | None = None
    kind: Literal["datetime", "number"] = "datetime"
    format: str | None = None
    month_sequence: MonthSequence | None = None

    @model_validator(mode="after")
    def _one_way(self) -> TimeSpec:
        if (self.column is None) == (self.month_sequence is None):
            raise ValueError("give exactly one of 'column' or 'month_sequence'")
        return self


class Feature(_Strict):
    """One input the model may learn from, with the name sellers read."""

    name: str
    kind: FeatureKind
    display: Text = ""
    actionable: bool = False
    monotone: Literal[-1, 0, 1] = 0
    allow_leaky: bool = False
    values: dict[str, Text] = Field(default_factory=dict)  # value labels sellers read: {code: label}

    @field_validator("display")
    @classmethod
    def _default_display(cls, value: Text) -> Text:
        checked = check_languages(value)
        return checked.strip() if isinstance(checked, str) else {k: v.strip() for k, v in checked.items()}

    @field_validator("values")
    @classmethod
    def _value_languages(cls, value: dict[str, Text]) -> dict[str, Text]:
        for label in value.values():
            check_languages(label)
        return value

    @model_validator(mode="after")
    def _monotone_fits_kind(self) -> Feature:
        if self.monotone and self.kind not in (FeatureKind.numeric, FeatureKind.boolean):
            raise ValueError(f"feature '{self.name}': monotone needs a numeric or boolean kind, "
                             f"not {self.kind.value}")
        return self

    @property
    def label(self) -> str:
        return self.label_in("en")

    def label_in(self, code: str) -> str:
        """The name sellers read, in a language."""
        return in_language(self.display, code) or self.name.replace("_", " ").capitalize()

    def value_label(self, value: object, code: str = "en") -> str:
        """The words a seller reads for one of this feature's values: its label, else the code made readable."""
        text = str(value)
        label = self.values.get(text)
        return (in_language(label, code) if label is not None else "") or readable_code(text)


class Attribute(_Strict):
    """A lead field sellers and rules see that the model never learns from (e.g. phone)."""

    name: str
    display: Text = ""
    personal: bool = False

    @field_validator("display")
    @classmethod
    def _display_languages(cls, value: Text) -> Text:
        return check_languages(value)

    @property
    def label(self) -> str:
        return self.label_in("en")

    def label_in(self, code: str) -> str:
        return in_language(self.display, code) or self.name.replace("_", " ").capitalize()


class AfterOutcome(_Strict):
    """A column known only once the outcome is known: never a feature."""

    column: str
    reason: str


class Minimums(_Strict):
    """Least won and lost leads a training window needs (Dynamics 365 asks 40 + 40)."""

    won: Annotated[int, Field(ge=1)] = 40
    lost: Annotated[int, Field(ge=1)] = 40


class LeakageLimits(_Strict):
    """Thresholds of the leakage guard."""

    max_single_feature_auc: Annotated[float, Field(gt=0.5, le=1.0)] = 0.95
    one_outcome_fill_gap: Annotated[float, Field(gt=0.0, le=1.0)] = 0.5


C_SETTING = "C"  # the linear model's one setting, its inverse L2 strength (the hybrid's linear part takes it too)
MAX_CATBOOST_DEPTH = 8  # 2,000 trees of depth 8 explain 30 fields from a 120 MB table
# Set by the estimator itself; a profile that overrides them would silently change what the gate compares.
RESERVED_PARAMS = frozenset({"objective", "seed", "num_threads", "monotone_constraints", "random_seed",
                             "thread_count", "iterations"})


class Training(_Strict):
    """An optional override of the model selection: whatever it names is fixed, the search chooses the rest.

    Left empty, the training job chooses the family, its settings and the calibration out of time; the model
    card reports any override as such.
    """

    model: Literal["prior", "linear", "trees", "hybrid", "catboost"] | None = None
    params: dict[str, Any] = Field(default_factory=dict)  # the family's settings: LightGBM's, CatBoost's, or C
    decay: Annotated[float, Field(gt=0)] | None = None  # half-life of the training weights, as a share of the rows
    calibration: Literal["sigmoid", "isotonic", "none", "shift"] | None = None

    @field_validator("params")
    @classmethod
    def _free_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        reserved = sorted(RESERVED_PARAMS & set(value))
        if reserved:
            raise ValueError(f"{reserved} are set by the estimator (use a feature's 'monotone' for constraints)")
        return value

    @model_validator(mode="after")
    def _params_need_a_model(self) -> Training:
        if (self.params or self.decay is not None) and self.model is None:
            raise ValueError("params and decay set a family's settings: name the family in 'model' too")
        if C_SETTING in self.params:
            c = self.params[C_SETTING]
            if self.model not in ("linear", "hybrid"):
                raise ValueError(f"params.{C_SETTING}: the inverse L2 strength of a linear model, and {self.model} "
                                 "has none")
            if isinstance(c, bool) or not isinstance(c, int | float) or not c > 0:
                raise ValueError(f"params.{C_SETTING}: {c!r} is not a positive number")
        if self.model == "linear" and set(self.params) - {C_SETTING}:
            raise ValueError(f"params: {sorted(set(self.params) - {C_SETTING})} are not settings of the linear model "
                             f"(its one setting is {C_SETTING})")
        if self.model == "catboost":
            # Scores are explained from a table of each symmetric tree's leaves: 2^depth rows a tree.
            if self.params.get("grow_policy", "SymmetricTree") != "SymmetricTree":
                raise ValueError("params.grow_policy: explained scores need CatBoost's symmetric trees "
                                 "(SymmetricTree)")
            depth = self.params.get("depth", self.params.get("max_depth"))
            if depth is not None and not (isinstance(depth, int) and 1 <= depth <= MAX_CATBOOST_DEPTH):
                raise ValueError(f"params.depth: {depth!r} is not a whole number from 1 to {MAX_CATBOOST_DEPTH} "
                                 "(each tree's explanations take 2^depth rows a field)")
        return self

    @property
    def overrides(self) -> dict[str, Any]:
        """What the profile fixes, for the model card."""
        return {k: v for k, v in self.model_dump().items() if v not in (None, {})}


class Profile(_Strict):
    """What a history source is: location, id, outcome, time, features, leaky columns."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    description: str = ""
    model_name: str = ""
    source: Source
    id: str
    outcome: Outcome
    time: TimeSpec
    features: list[Feature]
    attributes: list[Attribute] = Field(default_factory=list)
    known_after_outcome: list[AfterOutcome] = Field(default_factory=list)
    minimums: Minimums = Minimums()
    leakage: LeakageLimits = LeakageLimits()
    training: Training = Training()
    example: dict[str, Any] = Field(default_factory=dict)
    base_dir: Path = Path(".")

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        names = [f.name for f in self.features]
        if not names:
            raise ValueError("features: at least one feature is needed")
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"features: {duplicated} listed more than once")
        leaky = {c.column for c in self.known_after_outcome} & set(names)
        if leaky:
            raise ValueError(f"features: {sorted(leaky)} are marked known_after_outcome and cannot be features")
        clash = {a.name for a in self.attributes} & set(names)
        if clash:
            raise ValueError(f"attributes: {sorted(clash)} are already features")
        reserved = {self.id, self.outcome.column} & set(names)
        if reserved:
            raise ValueError(f"features: {sorted(reserved)} is the id or outcome column, not a feature")
        if self.outcome.lost_after_days is not None and self.time.kind == "number":
            raise ValueError("outcome.lost_after_days counts days: the time must be a date, not a number")
        return self

    @property
    def registered_model(self) -> str:
        return self.model_name or f"leadscore-{self.name}"

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def lead_fields(self) -> list[str]:
        """Every field a lead may carry when scored: features then attributes."""
        return self.feature_names + [a.name for a in self.attributes]

    def feature(self, name: str) -> Feature:
        for feature in self.features:
            if feature.name == name:
                return feature
        raise KeyError(name)

    def resolve(self, path: str) -> Path:
        """Resolve a path from the profile: environment variables expanded, relative to the profile."""
        resolved = Path(expand_env(path))
        return resolved if resolved.is_absolute() else (self.base_dir / resolved).resolve()


_ENV = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def expand_env(text: str) -> str:
    """Expand ${NAME} and ${NAME:-default}; an unset name without default is an error."""

    def replace(match: re.Match[str]) -> str:
        value = os.environ.get(match["name"], match["default"])
        if value is None:
            raise ProfileError(f"environment variable {match['name']} is not set and has no default")
        return value

    return _ENV.sub(replace, text)


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile YAML file (safe loader: nothing in it is executed)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"profile {path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"profile {path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ProfileError(f"profile {path}: expected a mapping at the top level")
    try:
        return Profile.model_validate({**raw, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        raise ProfileError(f"profile {path}: {describe_errors(exc)}") from None


def describe_errors(exc: ValidationError) -> str:
    """One line per problem: the dotted location and the message."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "(top level)"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
