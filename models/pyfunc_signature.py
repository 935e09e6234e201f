"""The logged model's signature: the lead fields it reads, the structured columns it returns, its params.

Written out rather than inferred from a few example rows, which cannot tell a text column that happens
to be empty there, an optional field, or an empty list of rules.
"""

from __future__ import annotations

from mlflow.models import ModelSignature
from mlflow.types.schema import Array, ColSpec, DataType, Object, ParamSchema, ParamSpec, Property, Schema, TensorSpec

from features.profile import FeatureKind, Profile
from models.explanation import MAX_REASONS

# As a loaded history holds each kind: booleans as 1.0, 0.0 or missing.
FIELD_TYPES = {FeatureKind.categorical: DataType.string, FeatureKind.numeric: DataType.double,
               FeatureKind.boolean: DataType.double, FeatureKind.date: DataType.datetime}
REASON = Object([Property("field", DataType.string), Property("value", DataType.string, required=False),
                 Property("direction", DataType.string), Property("strength", DataType.double),
                 Property("evidence", DataType.string, required=False)])
OUTPUTS = Schema([
    ColSpec(DataType.double, "probability"),
    ColSpec(DataType.long, "score"),
    ColSpec(DataType.string, "model_grade"),
    ColSpec(DataType.string, "grade"),
    ColSpec(DataType.string, "label"),
    ColSpec(DataType.boolean, "disqualified"),
    ColSpec(DataType.string, "deciding_rule"),
    ColSpec(Array(DataType.string), "rules"),
    ColSpec(Array(REASON), "reasons"),
    ColSpec(Array(DataType.string), "missing"),
    ColSpec(Array(DataType.double), "contributions", required=False),
])
COLUMNS = tuple(str(spec.name) for spec in OUTPUTS.inputs)
NO_AGREEMENT = ""  # the `agreement` param's default: grade with the agreement logged with the model
PARAMS = ParamSchema([
    ParamSpec("agreement", DataType.string, NO_AGREEMENT),
    ParamSpec("language", DataType.string, "en"),
    ParamSpec("reasons", DataType.long, MAX_REASONS),
    ParamSpec("contributions", DataType.boolean, False),
])


def inputs(profile: Profile) -> Schema:
    """Every field of the profile, each optional: a lead may lack any, and the rules may read attributes."""
    columns: list[ColSpec | TensorSpec] = [ColSpec(FIELD_TYPES[f.kind], f.name, required=False)
                                           for f in profile.features]
    columns += [ColSpec(DataType.string, a.name, required=False) for a in profile.attributes]
    return Schema(columns)


def lead_signature(profile: Profile) -> ModelSignature:
    """The signature a lead model is logged with."""
    return ModelSignature(inputs=inputs(profile), outputs=OUTPUTS, params=PARAMS)


def has_graded_outputs(signature: ModelSignature | None) -> bool:
    """Whether a logged model returns the structured columns (models logged before them return two)."""
    if signature is None or signature.outputs is None:
        return False
    return set(COLUMNS) <= set(signature.outputs.input_names())
