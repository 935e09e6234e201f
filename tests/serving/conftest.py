"""Serving fixtures: settings on the session's MLflow store, a running app, leads, a uvicorn process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient

from features.profile import Profile
from serving.app import create_app
from serving.settings import Settings
from tests.conftest import DEMO_AGREEMENT, DEMO_PROFILE, ROOT
from training.job import TrainResult

MakeSettings = Callable[..., Settings]
FAST_FAILING_HTTP = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "2"}  # no retry storm


@pytest.fixture(scope="session")
def make_settings(trained: TrainResult, tracking_uri: str) -> MakeSettings:
    """Settings for the demo profile and agreement on the session store; keyword arguments override."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"profile": DEMO_PROFILE, "agreement": DEMO_AGREEMENT,
                                  "tracking_uri": tracking_uri, "reload_seconds": 3600.0, **overrides}
        return Settings(**values)

    return make


def remember_agreement(make_settings: MakeSettings, data_dir: Path) -> Path:
    """A replica's data folder holding the agreement it took from a store once (as after a first start), so it
    can start again while its store is down; returns the folder."""
    with TestClient(create_app(make_settings(store_url=f"sqlite:///{data_dir / 'first-store.db'}",
                                             data_dir=data_dir))):
        pass
    return data_dir


@pytest.fixture(scope="module")
def client(make_settings: MakeSettings) -> Iterator[TestClient]:
    """The app on the session's champion, lifespan running, no API keys."""
    with TestClient(create_app(make_settings())) as running:
        yield running


@pytest.fixture(scope="session")
def example(demo_profile: Profile) -> dict[str, Any]:
    """The profile's example lead (a referral that asked for a demo), with an id."""
    return {"lead_id": "L-example", **demo_profile.example}


@pytest.fixture(scope="session")
def modest(example: dict[str, Any]) -> dict[str, Any]:
    """A lead well below the top grade, so the scorer has changes to suggest."""
    return {**example, "lead_id": "L-modest", "lead_source": "web_form", "campaign": "spring-promo",
            "company_size": "51-200", "website_visits": 3, "pricing_page_views": 0, "demo_requested": False,
            "webinar_attended": False, "days_since_last_activity": 10, "timeline": "this_year"}


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_uvicorn(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`uvicorn serving.app:create_app --factory` on a free loopback port, from the repository root."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "serving.app:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=out,
                                   stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path, patience: float = 60.0) -> None:
    """Poll /ready until it answers 200; fail with the server's log if it dies or never gets there."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"uvicorn never became ready:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate a server we started, killing it if it does not stop."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


T = TypeVar("T")


def poll(read: Callable[[], T], done: Callable[[T], bool], patience: float = 30.0) -> T:
    """Read until `done` holds or patience runs out; the caller asserts on what came back."""
    deadline = time.monotonic() + patience
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


@contextmanager
def scored_site(folder: Path, tracking_uri: str, leads: Sequence[dict[str, Any]]) -> Iterator[str]:
    """A uvicorn process on the demo profile with a lead store of its own holding `leads`, scored; its base URL."""
    env = {"LEADSCORE_PROFILE": str(DEMO_PROFILE), "LEADSCORE_AGREEMENT": str(DEMO_AGREEMENT),
           "MLFLOW_TRACKING_URI": tracking_uri, "LEADSCORE_STORE_URL": f"sqlite:///{folder / 'leads.db'}",
           "LEADSCORE_API_KEYS": "", "LEADSCORE_ADMIN_KEYS": ""}
    process, base_url = start_uvicorn(env, folder / "server.log")
    try:
        wait_ready(process, base_url, folder / "server.log")
        for lead in leads:
            assert httpx.post(f"{base_url}/v1/score", json=lead, timeout=30).status_code == 200
        yield base_url
    finally:
        stop(process)
