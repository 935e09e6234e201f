"""Where MLflow keeps runs and models: one tracking URI, and artifacts beside a SQLite store."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import mlflow
from mlflow.tracking import MlflowClient

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"


def tracking_uri() -> str:
    """MLFLOW_TRACKING_URI when set, else the SQLite store at the working folder (the repository root)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def masked(uri: str) -> str:
    """The URI with its password replaced by ***, for anything a person or a log may read."""
    try:
        parts = urlsplit(uri)
        password = parts.password
    except ValueError:
        return "<unparsable URI>"
    if password is None:
        return uri
    credentials, _, host = parts.netloc.rpartition("@")
    user = credentials.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def redacted(text: str, uri: str) -> str:
    """`text` (an error from a driver or MLflow, which may quote the URI) without the URI's password."""
    try:
        password = urlsplit(uri).password
    except ValueError:
        password = None
    text = text.replace(uri, masked(uri))
    if password:
        for secret in {password, unquote(password)}:
            text = text.replace(secret, "***")
    return text


def artifact_root(uri: str) -> str | None:
    """Artifacts of a SQLite store go beside its file; other stores keep their own default."""
    if not uri.startswith("sqlite:///"):
        return os.environ.get("LEADSCORE_ARTIFACT_ROOT")
    database = Path(uri.removeprefix("sqlite:///")).resolve()
    return (database.parent / "mlartifacts").as_uri()


def use_experiment(uri: str, name: str) -> str:
    """Point MLflow at the store and create the experiment (with its artifact folder) if needed."""
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        experiment_id = client.create_experiment(name, artifact_location=artifact_root(uri))
    else:
        experiment_id = experiment.experiment_id
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id
