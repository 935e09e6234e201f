"""MLflow registry access: log, register, alias and load lead models by alias, never by run id."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from features.profile import Profile
from models.model_files import AGREEMENT, ESTIMATOR, PROFILE
from models.propensity import ModelLoadError, PropensityEstimator
from models.pyfunc_signature import lead_signature
from models.tracking import masked, redacted

CHAMPION = "champion"
CHALLENGER = "challenger"
CARD_FILE = "card.json"
PYFUNC_CODE = Path(__file__).with_name("pyfunc_code.py")  # read by MLflow as a file, never imported here


class RegistryError(RuntimeError):
    """The registry cannot be reached or does not hold what was asked for."""


@dataclass(frozen=True)
class LeadModel:
    """A registered version ready to score: the estimator, its card and its version number."""

    name: str
    version: str
    estimator: PropensityEstimator
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}/{self.version}"


def log_lead_model(folder: Path, example: pd.DataFrame, profile: Profile, profile_file: Path,
                   agreement_file: Path) -> str:
    """Log a saved estimator folder (with its card), its profile and the agreement it grades with as a pyfunc
    model, and register it under the profile's model name; returns the version."""
    info = mlflow.pyfunc.log_model(
        name="model",
        python_model=str(PYFUNC_CODE),
        artifacts={ESTIMATOR: str(folder), PROFILE: str(profile_file), AGREEMENT: str(agreement_file)},
        signature=lead_signature(profile),
        input_example=example,
        registered_model_name=profile.registered_model,
    )
    return str(info.registered_model_version)


class Registry:
    """One registered model name in one tracking store."""

    def __init__(self, tracking_uri: str, name: str) -> None:
        self.tracking_uri = tracking_uri
        self.name = name

    def _said(self, problem: str) -> str:
        """A registry problem for /ready and the log: the URI and the driver's words without the password."""
        return redacted(f"registry {masked(self.tracking_uri)}: {problem}", self.tracking_uri)

    @cached_property
    def client(self) -> MlflowClient:
        """The MLflow client, made on first use. MLflow opens a database store right away: one that cannot be
        opened (a server that is down, a file that is not a database) is a RegistryError, not a driver error."""
        try:
            return MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri)
        except Exception as exc:  # noqa: BLE001 - the stores raise many kinds
            raise RegistryError(self._said(f"{exc.__class__.__name__}: {exc}")) from None

    def version_for(self, alias: str) -> str | None:
        """The version an alias points at, or None when the alias or the model does not exist."""
        try:
            return str(self.client.get_model_version_by_alias(self.name, alias).version)
        except RegistryError:
            raise
        except MlflowException as exc:
            if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"):
                return None
            raise RegistryError(self._said(exc.message)) from None
        except Exception as exc:  # noqa: BLE001 - a store that cannot be reached raises many kinds
            raise RegistryError(self._said(f"{exc.__class__.__name__}: {exc}")) from None

    def load(self, version: str) -> LeadModel:
        """Download a version's artifacts and load its estimator and card."""
        with tempfile.TemporaryDirectory(prefix="leadscore-model-") as tmp:
            try:
                # Resolve through our own client: a `models:/` URI would go to the process-wide registry URI.
                source = self.client.get_model_version_download_uri(self.name, version)
                local = mlflow.artifacts.download_artifacts(artifact_uri=source, dst_path=tmp,
                                                            tracking_uri=self.tracking_uri)
            except Exception as exc:  # noqa: BLE001 - missing artifacts surface as several types
                raise ModelLoadError(redacted(f"{self.name}/{version}: artifacts cannot be read: {exc}",
                                                     self.tracking_uri)) from None
            folder = Path(local) / "artifacts" / ESTIMATOR
            estimator = PropensityEstimator.load(folder)
            card = read_card(folder)
        return LeadModel(self.name, version, estimator, card)

    def load_alias(self, alias: str = CHAMPION) -> LeadModel | None:
        """The model an alias points at, or None when there is none yet."""
        version = self.version_for(alias)
        return None if version is None else self.load(version)

    def set_alias(self, alias: str, version: str) -> None:
        self.client.set_registered_model_alias(self.name, alias, version)

    def tag(self, version: str, tags: dict[str, str]) -> None:
        for key, value in tags.items():
            self.client.set_model_version_tag(self.name, version, key, value)

    def version_tags(self, version: str) -> dict[str, str]:
        return dict(self.client.get_model_version(self.name, version).tags)


def read_card(folder: Path) -> dict[str, Any]:
    """The card saved beside an estimator ({} when there is none)."""
    path = folder / CARD_FILE
    if not path.exists():
        return {}
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ModelLoadError(f"model card {path}: {exc}") from None
    if not isinstance(card, dict):
        raise ModelLoadError(f"model card {path}: a JSON object was expected, not {type(card).__name__}")
    return card
