"""Shared fixtures: demo history in a temporary folder, MLflow in a temporary SQLite store, one trained model."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from features.demo import write_demo
from features.profile import Profile, load_profile
from training.job import TrainOptions, TrainResult, run_training
from training.steps import Steps

ROOT = Path(__file__).resolve().parents[1]
DEMO_PROFILE = ROOT / "profiles" / "demo.yaml"
DEMO_AGREEMENT = ROOT / "agreements" / "demo.yaml"
# Tests of the job's other steps (gate, leakage guard, data checks) name the model in the profile, so the run
# skips the model search: about 12 s a run on 6,000 demo leads against 38 s with the search.
QUICK_TRAINING = {"model": "trees", "calibration": "sigmoid"}
SHARED_DATA = Path(os.environ.get("LEADSCORE_SHARED_DATA") or ROOT.parent / "shared" / "data")
# Tests on the shared real histories: skipped where they are absent, except under CI, which must have them.
needs_shared_data = pytest.mark.skipif(not SHARED_DATA.is_dir() and os.environ.get("CI") != "true",
                                       reason=f"the real histories are not at {SHARED_DATA} (under CI=true this fails)")


@pytest.fixture(scope="session", autouse=True)
def lead_store_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """LEADSCORE_DATA_DIR in a temporary folder, so no app or server a test starts writes data/leads.db."""
    folder = tmp_path_factory.mktemp("lead-store")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEADSCORE_DATA_DIR", str(folder))
        patch.delenv("LEADSCORE_STORE_URL", raising=False)
        yield folder


@pytest.fixture(scope="session")
def demo_profile() -> Profile:
    return load_profile(DEMO_PROFILE)


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default-size demo history (20,000 leads), written once per test session."""
    return write_demo(tmp_path_factory.mktemp("demo") / "leads.parquet")


@pytest.fixture(scope="session")
def tracking_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="session")
def trained(demo_data: Path, tracking_uri: str) -> TrainResult:
    """One full training run on the demo history, registered as champion in the session's store."""
    options = TrainOptions(profile=DEMO_PROFILE, data=demo_data, tracking_uri=tracking_uri)
    return run_training(options, Steps())


@pytest.fixture()
def fresh_tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty MLflow store for one test, also set as MLFLOW_TRACKING_URI for CLI calls."""
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    yield uri


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    """One local[2] Spark session for a module; the code under test takes it up rather than starting its own."""
    from models.spark_session import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def quick_profile(folder: Path, name: str = "quick", **changes: Any) -> Path:
    """The demo profile with the model named in `training:` (QUICK_TRAINING unless `training` is among the
    changes) and these top-level keys changed, written to `folder`."""
    raw = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    raw.update({"training": QUICK_TRAINING, **changes})
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path
