"""Load with swaps: a uvicorn scorer under concurrent load while new champions are promoted and picked up.

One run: a temporary MLflow store with a champion and three challengers (trained on small demo histories
of their own), our scorer in a uvicorn process on loopback polling the registry every `--reload-seconds`,
and `--requests` one-lead scoring calls over `--concurrency` keep-alive connections. While they run,
`@champion` moves to each challenger in turn (at 15 %, 40 % and 65 % of the requests). The run stops by
itself and checks:

- no request failed (every answer a 200, no connection error);
- every answer is stamped with a model version that was champion while it was in flight: never a version
  before its alias move began, and never the previous one after the move plus the reload interval plus
  `--pickup-allowance` seconds to load the new model (the scorer keeps the old one until the new one is in);
- every new champion was seen serving (the swaps observed).

It prints the latency percentiles, the throughput and each swap's pickup time; the exit code is 1 when a
check fails. Run: `make bench-load` (20,000 requests at concurrency 16), or the short run CI makes in
tests/serving/test_load_swaps.py: `python -m benchmarks.load --requests 2000 --concurrency 8`.
`--copy` registers the challengers as new versions of the champion's artifacts instead of training them
(seconds instead of minutes; the swap path is the same, the weights are not).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "demo.yaml"
AGREEMENT = ROOT / "agreements" / "demo.yaml"
JSON = {"Content-Type": "application/json"}
SWAP_AT = (0.15, 0.40, 0.65)
LEADS = 500  # distinct demo leads the requests cycle through

console = Console(width=130)
app = typer.Typer(add_completion=False)


@dataclass(frozen=True)
class LoadOptions:
    """How hard and how long to push, and how fast a new champion must be picked up."""

    requests: int = 20_000
    concurrency: int = 16
    reload_seconds: float = 0.5
    pickup_allowance: float = 5.0  # seconds to download and load a new champion after the poll sees it
    swap_at: tuple[float, ...] = SWAP_AT


@dataclass
class Swap:
    """One move of @champion: when the move began and ended, and when the new version first answered."""

    version: str
    moved_at: float = float("nan")
    moved_by: float = float("nan")
    first_seen: float | None = None


@dataclass
class LoadReport:
    """What one run measured."""

    options: LoadOptions
    initial: str
    swaps: list[Swap]
    sent: np.ndarray
    received: np.ndarray
    versions: list[str | None]
    failures: list[str]
    wall: float
    misstamped: list[str] = field(default_factory=list)

    @property
    def latencies_ms(self) -> np.ndarray:
        return 1000 * (self.received - self.sent)

    @property
    def p50_ms(self) -> float:
        return float(np.percentile(self.latencies_ms, 50))

    @property
    def p99_ms(self) -> float:
        return float(np.percentile(self.latencies_ms, 99))

    @property
    def p99_steady_ms(self) -> float:
        """p99 of the calls sent away from any swap (from the alias move to a second after the first new answer)."""
        near = np.zeros(len(self.sent), dtype=bool)
        for swap in self.swaps:
            end = (swap.first_seen if swap.first_seen is not None else swap.moved_at) + 1.0
            near |= (self.sent >= swap.moved_at) & (self.sent <= end)
        return float(np.percentile(self.latencies_ms[~near], 99))

    @property
    def swaps_observed(self) -> int:
        return sum(swap.first_seen is not None for swap in self.swaps)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.misstamped and self.swaps_observed == len(self.swaps)


# --- the store ---------------------------------------------------------------------------------


def train_store(folder: Path, challengers: int, rows: int) -> tuple[str, str, list[str]]:
    """A store with a champion and `challengers` more versions, each trained on a demo history of its own."""
    from features.demo import write_demo
    from features.profile import load_profile
    from models.registry import CHAMPION, Registry
    from training.job import TrainOptions, run_training
    from training.steps import Steps

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    versions = []
    for i in range(challengers + 1):
        data = write_demo(folder / f"history-{i}.parquet", rows=rows, seed=100 + i)
        result = run_training(TrainOptions(profile=PROFILE, data=data, tracking_uri=uri), Steps(Console(quiet=True)))
        versions.append(result.version)
    Registry(uri, load_profile(PROFILE).registered_model).set_alias(CHAMPION, versions[0])  # whatever the gate did
    return uri, versions[0], versions[1:]


def copy_store(folder: Path, source_uri: str, challengers: int) -> tuple[str, str, list[str]]:
    """A store whose champion and `challengers` more versions are copies of `source_uri`'s champion."""
    import mlflow

    from features.profile import load_profile
    from models.registry import CHAMPION, Registry

    name = load_profile(PROFILE).registered_model
    source = Registry(source_uri, name)
    version = source.version_for(CHAMPION)
    if version is None:
        raise RuntimeError(f"no @{CHAMPION} for {name} in {source_uri} to copy")
    artifacts = source.client.get_model_version_download_uri(name, version)
    local = mlflow.artifacts.download_artifacts(artifact_uri=artifacts, dst_path=str(folder / "champion"),
                                                tracking_uri=source_uri)
    uri = f"sqlite:///{folder / 'mlflow.db'}"
    target = Registry(uri, name)
    target.client.create_registered_model(name)
    versions = [str(target.client.create_model_version(name, source=Path(local).as_uri()).version)
                for _ in range(challengers + 1)]
    target.set_alias(CHAMPION, versions[0])
    return uri, versions[0], versions[1:]


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def scorer(uri: str, folder: Path, reload_seconds: float) -> Iterator[int]:
    """Our scorer in its own uvicorn process (and process group) on a free loopback port; yields the port."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "serving.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--no-access-log", "--log-level", "warning"]
    env = {**os.environ, "LEADSCORE_PROFILE": str(PROFILE), "LEADSCORE_AGREEMENT": str(AGREEMENT),
           "MLFLOW_TRACKING_URI": uri, "LEADSCORE_RELOAD_SECONDS": str(reload_seconds), "LEADSCORE_API_KEYS": "",
           "LEADSCORE_ADMIN_KEYS": "", "LEADSCORE_DATA_DIR": str(folder / "lead-store"), "LEADSCORE_STORE_URL": ""}
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_ready(process, port, log)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group we created: the server alone
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_ready(process: subprocess.Popen[bytes], port: int, log: Path, patience: float = 120.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the scorer exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/ready")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the scorer never became ready:\n{log.read_text(errors='replace')}")


# --- the load ----------------------------------------------------------------------------------


def lead_bodies(folder: Path, count: int = LEADS) -> list[bytes]:
    """Demo leads as the CRM would post them (every profile field, null when absent), with ids of their own."""
    import pandas as pd

    from features.demo import write_demo
    from features.profile import load_profile

    profile = load_profile(PROFILE)
    frame = pd.read_parquet(write_demo(folder / "load-leads.parquet", rows=count, seed=5))
    records = json.loads(frame[profile.lead_fields].to_json(orient="records", date_format="iso"))
    return [json.dumps({**record, "lead_id": f"L-load-{i}"}).encode() for i, record in enumerate(records)]


class Load:
    """The requests of one run, spread over keep-alive connections, and what each one answered."""

    def __init__(self, port: int, bodies: Sequence[bytes], options: LoadOptions) -> None:
        self.port, self.bodies, self.options = port, bodies, options
        total = options.requests
        self.sent, self.received = np.full(total, np.nan), np.full(total, np.nan)
        self.versions: list[str | None] = [None] * total
        self.failures: list[str] = []
        self.first_seen: dict[str, float] = {}
        self.done = 0
        self._next = 0
        self._lock = threading.Lock()
        self.seen = threading.Condition(self._lock)

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self.options.requests:
                return None
            self._next += 1
            return self._next - 1

    def worker(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while (i := self.take()) is not None:
            self.sent[i] = time.perf_counter()
            try:
                connection.request("POST", "/v1/score", body=self.bodies[i % len(self.bodies)], headers=JSON)
                response = connection.getresponse()
                status, payload = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()  # http.client reconnects on the next request
                self.record(i, None, f"request {i}: {exc.__class__.__name__}: {exc}")
                continue
            if status != 200:
                self.record(i, None, f"request {i}: HTTP {status}: {payload[:200]!r}")
                continue
            self.record(i, json.loads(payload)["model_version"], None)
        connection.close()

    def record(self, i: int, version: str | None, failure: str | None) -> None:
        now = time.perf_counter()
        with self.seen:
            self.received[i], self.versions[i] = now, version
            self.done += 1
            if failure is not None:
                self.failures.append(failure)
            if version is not None and version not in self.first_seen:
                self.first_seen[version] = now
            self.seen.notify_all()

    def wait_for(self, done: int) -> bool:
        """Block until `done` requests have answered; False when the run ended first."""
        with self.seen:
            return self.seen.wait_for(lambda: self.done >= done or self.done >= self.options.requests) and \
                self.done >= done


def swap_champions(load: Load, registry: Any, swaps: list[Swap], options: LoadOptions) -> None:
    """Move @champion to each challenger when its share of the requests has answered."""
    from models.registry import CHAMPION

    for swap, share in zip(swaps, options.swap_at, strict=True):
        if not load.wait_for(int(share * options.requests)):
            return
        swap.moved_at = time.perf_counter()
        registry.set_alias(CHAMPION, swap.version.rsplit("/", 1)[1])
        swap.moved_by = time.perf_counter()


def run_load(port: int, registry: Any, initial: str, challengers: Sequence[str], bodies: Sequence[bytes],
             options: LoadOptions) -> LoadReport:
    """Drive the load, move the champion during it, and check every answer's version against the moves."""
    load = Load(port, bodies, options)
    swaps = [Swap(f"{registry.name}/{version}") for version in challengers]
    threads = [threading.Thread(target=load.worker, name=f"load-{i}") for i in range(options.concurrency)]
    swapper = threading.Thread(target=swap_champions, args=(load, registry, swaps, options), name="swapper")
    start = time.perf_counter()
    for thread in [*threads, swapper]:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    swapper.join()
    for swap in swaps:
        swap.first_seen = load.first_seen.get(swap.version)
    report = LoadReport(options, f"{registry.name}/{initial}", swaps, load.sent, load.received, load.versions,
                        load.failures, wall)
    report.misstamped = misstamped(report)
    return report


def misstamped(report: LoadReport) -> list[str]:
    """Answers whose version was not champion while they were in flight (the reload interval and the pickup
    allowance as slack for the version being replaced)."""
    slack = report.options.reload_seconds + report.options.pickup_allowance
    moves = [swap.moved_at for swap in report.swaps]
    windows = {version: (start, end) for version, start, end in zip(
        [report.initial, *(swap.version for swap in report.swaps)], [-np.inf, *moves], [*moves, np.inf],
        strict=True)}
    wrong = []
    for i, version in enumerate(report.versions):
        if version is None:
            continue
        if version not in windows:
            wrong.append(f"request {i}: {version} was never champion")
            continue
        start, end = windows[version]
        if report.received[i] < start:
            wrong.append(f"request {i}: {version} answered {start - report.received[i]:.3f} s before its move")
        elif report.sent[i] > end + slack:
            wrong.append(f"request {i}: {version} answered {report.sent[i] - end:.3f} s after it was replaced")
    return wrong


def load_with_swaps(folder: Path, uri: str, initial: str, challengers: Sequence[str],
                    options: LoadOptions) -> LoadReport:
    """Start the scorer on the store, run the load with swaps against it, stop it."""
    from features.profile import load_profile
    from models.registry import Registry

    registry = Registry(uri, load_profile(PROFILE).registered_model)
    bodies = lead_bodies(folder)
    with scorer(uri, folder, options.reload_seconds) as port:
        return run_load(port, registry, initial, challengers, bodies, options)


# --- report ------------------------------------------------------------------------------------


def print_report(report: LoadReport) -> None:
    options = report.options
    table = Table(title=f"Load with swaps: {options.requests:,} requests at concurrency {options.concurrency} "
                        f"(reload every {options.reload_seconds} s)")
    for column in ("requests", "failures", "p50 ms", "p99 ms", "p99 ms away from swaps", "req/s", "swaps observed",
                   "misstamped"):
        table.add_column(column, justify="right")
    table.add_row(f"{options.requests:,}", str(len(report.failures)), f"{report.p50_ms:.2f}", f"{report.p99_ms:.2f}",
                  f"{report.p99_steady_ms:.2f}", f"{options.requests / report.wall:,.0f}",
                  f"{report.swaps_observed}/{len(report.swaps)}", str(len(report.misstamped)))
    console.print(table)
    start = float(np.nanmin(report.sent))
    swaps = Table(title=f"Champion moves (seconds from the first request; first champion {report.initial})")
    for column in ("version", "alias moved", "first answer", "pickup s"):
        swaps.add_column(column, justify="right")
    for swap in report.swaps:
        seen = swap.first_seen
        swaps.add_row(swap.version, f"{swap.moved_at - start:.2f}", "never" if seen is None else f"{seen - start:.2f}",
                      "" if seen is None else f"{seen - swap.moved_at:.2f}")
    console.print(swaps)
    for line in [*report.failures[:5], *report.misstamped[:5]]:
        console.print(f"[red]{line}[/red]")
    console.print(f"{os.cpu_count()} CPUs; load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    console.print("[green]all checks passed[/green]" if report.ok else "[red]checks failed[/red]")


@app.command()
def main(requests: Annotated[int, typer.Option(help="Scoring requests in all (the run stops after them).")] = 20_000,
         concurrency: Annotated[int, typer.Option(help="Keep-alive connections sending at once.")] = 16,
         swaps: Annotated[int, typer.Option(help="Challengers promoted during the run (at most 3).")] = 3,
         rows: Annotated[int, typer.Option(help="Demo leads in each challenger's training history.")] = 3000,
         reload_seconds: Annotated[float, typer.Option(help="The scorer's registry poll interval.")] = 0.5,
         pickup_allowance: Annotated[float, typer.Option(help="Seconds a new champion may take to load.")] = 5.0,
         copy: Annotated[bool, typer.Option(help="Copy the champion's artifacts instead of training challengers "
                                                 "(needs a champion in MLFLOW_TRACKING_URI).")] = False) -> None:
    """Score under concurrent load while @champion moves; check every answer's model version; print latency."""
    from models.tracking import tracking_uri

    if not 1 <= swaps <= len(SWAP_AT):
        raise typer.BadParameter(f"--swaps must be 1..{len(SWAP_AT)}")
    options = LoadOptions(requests=requests, concurrency=concurrency, reload_seconds=reload_seconds,
                          pickup_allowance=pickup_allowance, swap_at=SWAP_AT[:swaps])
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-load-") as tmp:
        folder = Path(tmp)
        console.print(f"preparing a champion and {swaps} challengers ({'copied' if copy else f'{rows:,} leads each'})")
        uri, initial, challengers = copy_store(folder, tracking_uri(), swaps) if copy else \
            train_store(folder, swaps, rows)
        report = load_with_swaps(folder, uri, initial, challengers, options)
    print_report(report)
    raise typer.Exit(0 if report.ok else 1)


if __name__ == "__main__":
    app()
