"""Serving benchmark: our scorer against `mlflow models serve` on the same champion, over loopback HTTP.

One run: make sure a champion exists (train one into a temporary store if `MLFLOW_TRACKING_URI`'s store
has none), start the servers on free loopback ports, and measure one-lead latency at concurrency 1 and
throughput at concurrency 8; then `Scorer.score_many` on 10,000 leads in this process. Our service runs
twice: as deployed (every score committed to the lead store before the answer), and with its store at a
path that cannot exist, so the log stays degraded and the figures are scoring and HTTP alone.

The client is a thread per connection over `http.client` keep-alive connections (no per-request
connection set-up, no HTTP library on top); its own cost is measured on `/health`, a route that does
nothing, so the scoring figures can be read against what the client alone can drive. Other jobs share
this machine, so the server's own CPU time per request (from /proc, its whole process group) is printed
too, and the load average at each step.
Run: `make bench-serve` (or `python -m benchmarks.serve --requests 2000 --concurrent-requests 5000`).
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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
WARM_UP = 300
CONCURRENCY = 8
BATCH = 10_000
OURS = "ours: POST /v1/score (reasons, score logged)"
UNLOGGED = "ours, score log off (store unreachable)"
MLFLOW = "mlflow models serve: /invocations"
TARGETS = {"p50_ms": 2.0, "p99_ms": 8.0, "ratio": 5.0, "batch_plain": 50_000.0, "batch_explained": 3_000.0}
# `mlflow models serve`'s one-lead p50 on this machine when the targets above were set. The machine's speed
# varies from day to day (the same mlflow server has measured 9.7, 20.5 and 45-49 ms), and our latency moves
# with it (log off: 1.15 ms when mlflow took 20.5, 2.76 ms when it took 48.7), so the run also prints our
# latency scaled by mlflow's: what it would be at the speed the targets were set at.
REFERENCE_MLFLOW_P50_MS = 9.7

console = Console(width=150)
app = typer.Typer(add_completion=False)


@dataclass(frozen=True)
class Endpoint:
    """Where and what to POST for one lead, and the server's process group (for its CPU time)."""

    name: str
    port: int
    path: str
    body: bytes
    group: int


@dataclass(frozen=True)
class Figures:
    """Latency at concurrency 1, throughput at concurrency 8, and the server's CPU time per request."""

    p50_ms: float
    p99_ms: float
    sequential_rps: float
    concurrent_rps: float
    concurrent_p50_ms: float
    concurrent_p99_ms: float
    cpu_ms: float


# --- the champion ------------------------------------------------------------------------------


def champion_store(uri: str, tmp: Path) -> str:
    """The tracking URI to serve from: `uri` when it holds a champion, else a fresh store trained here."""
    from features.profile import load_profile
    from models.registry import CHAMPION, Registry

    name = load_profile(PROFILE).registered_model
    # A SQLite store that does not exist yet would be created by merely asking; do not leave one behind.
    exists = not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///")).exists()
    version = Registry(uri, name).version_for(CHAMPION) if exists else None
    if version is not None:
        console.print(f"champion: {name} version {version} from {uri}")
        return uri
    return train_champion(tmp, uri)


def train_champion(tmp: Path, missing_from: str) -> str:
    from features.demo import write_demo
    from training.job import TrainOptions, run_training
    from training.steps import Steps

    uri = f"sqlite:///{tmp / 'mlflow.db'}"
    console.print(f"no champion in {missing_from}: training one on the demo history into {uri}")
    data = write_demo(tmp / "leads.parquet")
    result = run_training(TrainOptions(profile=PROFILE, data=data, tracking_uri=uri), Steps(Console(quiet=True)))
    console.print(f"champion: version {result.version} ({result.decision.reason})")
    return uri


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(name: str, command: list[str], env: dict[str, str], port: int, ready_path: str,
           log: Path) -> Iterator[int]:
    """A server process in its own process group, up until the block ends."""
    bin_dir = str(Path(sys.executable).parent)  # `mlflow models serve` runs `uvicorn` from PATH
    full_env = {**os.environ, **env, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        wait_ready(process, port, ready_path, log, name)
        yield process.pid  # also the process group's id
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group we created: the server and its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_ready(process: subprocess.Popen[bytes], port: int, path: str, log: Path, name: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if request(http.client.HTTPConnection("127.0.0.1", port, timeout=2), "GET", path)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{name} never became ready:\n{log.read_text(errors='replace')}")


def remember_agreement(data_dir: Path) -> None:
    """Give a replica whose store cannot be reached the agreement it would have taken from a store before."""
    import datetime as dt

    from features.profile import load_profile
    from serving.agreement_source import AgreementSource
    from serving.store.database import LeadStore

    store = LeadStore(f"sqlite:///{data_dir / 'seed' / 'leads.db'}")
    AgreementSource(store, load_profile(PROFILE), AGREEMENT, data_dir).load(dt.datetime.now(dt.UTC))
    store.close()


def ours(uri: str, port: int, log: Path, score_log: bool = True) -> Any:
    """Our service; its lead store in the temporary folder, or (score_log False) at a path that cannot exist,
    so the log stays degraded and the figures are scoring and HTTP alone."""
    command = [sys.executable, "-m", "uvicorn", "serving.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--no-access-log", "--log-level", "error"]
    store = "" if score_log else "sqlite:////proc/leadscore-bench/leads.db"
    if not score_log:
        remember_agreement(log.parent / "lead-store")
    env = {"LEADSCORE_PROFILE": str(PROFILE), "LEADSCORE_AGREEMENT": str(AGREEMENT), "MLFLOW_TRACKING_URI": uri,
           "LEADSCORE_API_KEYS": "", "LEADSCORE_ADMIN_KEYS": "", "LEADSCORE_DATA_DIR": str(log.parent / "lead-store"),
           "LEADSCORE_STORE_URL": store}
    return server("our scorer", command, env, port, "/ready", log)


def mlflow_serve(uri: str, name: str, port: int, log: Path) -> Any:
    command = [str(Path(sys.executable).parent / "mlflow"), "models", "serve", "-m", f"models:/{name}@champion",
               "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)]
    return server("mlflow models serve", command, {"MLFLOW_TRACKING_URI": uri}, port, "/ping", log)


# --- the client --------------------------------------------------------------------------------


def request(connection: http.client.HTTPConnection, method: str, path: str,
            body: bytes | None = None) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=JSON if body is not None else {})
    response = connection.getresponse()
    return response.status, response.read()


def run_requests(endpoint: Endpoint, count: int, method: str = "POST") -> np.ndarray:
    """`count` requests one after another on one keep-alive connection; seconds per request."""
    connection = http.client.HTTPConnection("127.0.0.1", endpoint.port, timeout=30)
    body = endpoint.body if method == "POST" else None
    took = np.empty(count)
    try:
        for i in range(count):
            start = time.perf_counter()
            status, payload = request(connection, method, endpoint.path, body)
            took[i] = time.perf_counter() - start
            if status != 200:
                raise RuntimeError(f"{endpoint.name}: HTTP {status}: {payload[:300]!r}")
    finally:
        connection.close()
    return took


def concurrent(endpoint: Endpoint, total: int, method: str = "POST") -> tuple[float, np.ndarray]:
    """`total` requests over CONCURRENCY connections at once; requests per second and all latencies."""
    share = [total // CONCURRENCY + (i < total % CONCURRENCY) for i in range(CONCURRENCY)]
    results: list[np.ndarray] = [np.empty(0)] * CONCURRENCY
    errors: list[BaseException] = []
    gate = threading.Barrier(CONCURRENCY + 1)

    def work(i: int) -> None:
        gate.wait()
        try:
            results[i] = run_requests(endpoint, share[i], method)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    gate.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{endpoint.name}: {errors[0]}")
    return total / wall, np.concatenate(results)


def measure(endpoint: Endpoint, sequential: int, parallel: int) -> Figures:
    run_requests(endpoint, WARM_UP)
    cpu = group_cpu_seconds(endpoint.group)
    took = run_requests(endpoint, sequential)
    cpu_ms = 1000 * (group_cpu_seconds(endpoint.group) - cpu) / sequential
    rps, latencies = concurrent(endpoint, parallel)
    return Figures(p50_ms=1000 * float(np.percentile(took, 50)), p99_ms=1000 * float(np.percentile(took, 99)),
                   sequential_rps=len(took) / float(took.sum()), concurrent_rps=rps,
                   concurrent_p50_ms=1000 * float(np.percentile(latencies, 50)),
                   concurrent_p99_ms=1000 * float(np.percentile(latencies, 99)), cpu_ms=cpu_ms)


def group_cpu_seconds(group: int) -> float:
    """User + system CPU seconds of the live processes in a process group (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == group:  # fields after the command: state, ppid, pgrp, ..., utime (11), stime (12)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def client_ceiling(port: int, parallel: int) -> float:
    """Requests per second the client drives against a route that does nothing (our /health)."""
    health = Endpoint("health", port, "/health", b"", 0)
    run_requests(health, WARM_UP, "GET")
    return concurrent(health, parallel, "GET")[0]


# --- in-process batches ------------------------------------------------------------------------


def batch_rates(uri: str, leads: list[dict[str, Any]], repeats: int) -> tuple[float, float]:
    """Leads per second of Scorer.score_many on `leads`, without and with reasons (best of `repeats`)."""
    from features.profile import load_profile
    from models.agreement import load_agreement
    from models.registry import Registry
    from models.scoring import Scorer, freeze_loaded_objects

    profile = load_profile(PROFILE)
    model = Registry(uri, profile.registered_model).load_alias()
    if model is None:
        raise RuntimeError(f"no champion in {uri}")
    scorer = Scorer(model, load_agreement(AGREEMENT, profile), profile)
    freeze_loaded_objects()  # as the service and `leadscore score` do once the champion is loaded
    rates = []
    for explain in (False, True):
        scored_and_said(scorer, leads[:200], explain)
        best = min(_timed(scored_and_said, scorer, leads, explain) for _ in range(repeats))
        rates.append(len(leads) / best)
    return rates[0], rates[1]


def scored_and_said(scorer: Any, leads: list[dict[str, Any]], explain: bool) -> list[Any]:
    """score_many, and with reasons the sentences a seller reads (in Danish: the catalog path, not the msgids)."""
    from serving.language.wording import Wording

    scores = scorer.score_many(leads, explain=explain)
    if not explain:
        return list(scores)
    wording = Wording("da", scorer.profile, scorer.agreement)
    return [([wording.reason(r) for r in s.reasons], [wording.suggestion(x) for x in s.suggestions],
             wording.heading(s.decision, scorer.signal)) for s in scores]


def _timed(call: Any, *args: Any) -> float:
    start = time.perf_counter()
    call(*args)
    return time.perf_counter() - start


def demo_leads(count: int, tmp: Path) -> list[dict[str, Any]]:
    """Leads as the HTTP route hands them to the scorer: every profile field, None when absent."""
    import pandas as pd

    from features.demo import write_demo
    from features.profile import load_profile

    profile = load_profile(PROFILE)
    frame = pd.read_parquet(write_demo(tmp / "bench-leads.parquet", rows=count, seed=5))
    records = frame[profile.lead_fields].astype(object).to_dict("records")
    return [{str(k): None if v is pd.NA or (isinstance(v, float) and v != v) else v for k, v in r.items()}
            for r in records]


# --- report ------------------------------------------------------------------------------------


def example_bodies() -> tuple[bytes, bytes]:
    """The profile's example lead for our route, and its features as mlflow's `dataframe_records`."""
    from features.profile import load_profile

    profile = load_profile(PROFILE)
    lead = {"lead_id": "L-bench", **profile.example}
    features = {f.name: float(v) if isinstance(v, int) and not isinstance(v, bool) else v
                for f in profile.features if (v := lead.get(f.name)) is not None}
    return json.dumps(lead).encode(), json.dumps({"dataframe_records": [features]}).encode()


def load_text() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report(figures: dict[str, Figures], ceiling: float, plain: float, explained: float, loads: list[str]) -> None:
    table = Table(title="Serving benchmark (loopback HTTP, one lead a request; in-process batches)")
    for column in ("", "p50 ms (c=1)", "p99 ms (c=1)", "req/s (c=1)", "server CPU ms/req (c=1)", "req/s (c=8)",
                   "p50 / p99 ms (c=8)"):
        table.add_column(column, justify="right" if column else "left")
    for name, f in figures.items():
        table.add_row(name, f"{f.p50_ms:.2f}", f"{f.p99_ms:.2f}", f"{f.sequential_rps:,.0f}", f"{f.cpu_ms:.2f}",
                      f"{f.concurrent_rps:,.0f}", f"{f.concurrent_p50_ms:.2f} / {f.concurrent_p99_ms:.2f}")
    table.add_row("client alone (GET /health)", "", "", "", "", f"{ceiling:,.0f}", "")
    console.print(table)
    batches = Table(title=f"Scorer.score_many on {BATCH:,} leads (in process)")
    batches.add_column("")
    batches.add_column("leads/s", justify="right")
    batches.add_column("target", justify="right")
    batches.add_row("without reasons", f"{plain:,.0f}", f"≥ {TARGETS['batch_plain']:,.0f}")
    batches.add_row("with reasons and suggestions", f"{explained:,.0f}", f"≥ {TARGETS['batch_explained']:,.0f}")
    console.print(batches)
    ours_f, theirs = figures[OURS], figures[MLFLOW]
    console.print(f"ratio ours / mlflow: {ours_f.concurrent_rps / theirs.concurrent_rps:.1f}x req/s at c=8, "
                  f"{ours_f.sequential_rps / theirs.sequential_rps:.1f}x at c=1 (target ≥ {TARGETS['ratio']:.0f}x)")
    checks = {f"one lead p50 ≤ {TARGETS['p50_ms']} ms": ours_f.p50_ms <= TARGETS["p50_ms"],
              f"one lead p99 ≤ {TARGETS['p99_ms']} ms": ours_f.p99_ms <= TARGETS["p99_ms"],
              f"≥ {TARGETS['ratio']:.0f}x mlflow req/s (c=8)":
                  ours_f.concurrent_rps >= TARGETS["ratio"] * theirs.concurrent_rps,
              "batch without reasons": plain >= TARGETS["batch_plain"],
              "batch with reasons": explained >= TARGETS["batch_explained"]}
    console.print("targets: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in checks.items()))
    scale = REFERENCE_MLFLOW_P50_MS / theirs.p50_ms
    scaled = {"p50": ours_f.p50_ms * scale, "p99": ours_f.p99_ms * scale}
    console.print(f"at the speed the targets were set at (mlflow p50 {REFERENCE_MLFLOW_P50_MS} ms there, "
                  f"{theirs.p50_ms:.1f} ms in this run): ours p50 {scaled['p50']:.2f} ms "
                  f"({'met' if scaled['p50'] <= TARGETS['p50_ms'] else 'MISSED'}), p99 {scaled['p99']:.2f} ms "
                  f"({'met' if scaled['p99'] <= TARGETS['p99_ms'] else 'MISSED'})")
    console.print(f"{os.cpu_count()} CPUs; " + "; ".join(loads))


@app.command()
def main(requests: Annotated[int, typer.Option(help="Sequential requests per server.")] = 2000,
         concurrent_requests: Annotated[int, typer.Option(help="Requests at concurrency 8.")] = 5000,
         repeats: Annotated[int, typer.Option(help="Timed repeats of each batch (best kept).")] = 3) -> None:
    """Latency and throughput of our scorer and of `mlflow models serve`, then in-process batches."""
    from features.profile import load_profile
    from models.tracking import tracking_uri

    loads = [f"start: {load_text()}"]
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-serve-") as folder:
        tmp = Path(folder)
        uri = champion_store(tracking_uri(), tmp)
        name = load_profile(PROFILE).registered_model
        our_body, mlflow_body = example_bodies()
        port_ours, port_unlogged, port_mlflow = free_port(), free_port(), free_port()
        figures: dict[str, Figures] = {}
        with ours(uri, port_ours, tmp / "ours.log") as group:
            figures[OURS] = measure(Endpoint("ours", port_ours, "/v1/score", our_body, group), requests,
                                    concurrent_requests)
            ceiling = client_ceiling(port_ours, concurrent_requests)
        loads.append(f"after ours: {load_text()}")
        with ours(uri, port_unlogged, tmp / "ours-unlogged.log", score_log=False) as group:
            figures[UNLOGGED] = measure(Endpoint("ours, unlogged", port_unlogged, "/v1/score", our_body, group),
                                        requests, concurrent_requests)
        loads.append(f"after ours without the log: {load_text()}")
        with mlflow_serve(uri, name, port_mlflow, tmp / "mlflow.log") as group:
            figures[MLFLOW] = measure(Endpoint("mlflow", port_mlflow, "/invocations", mlflow_body, group), requests,
                                      concurrent_requests)
        loads.append(f"after mlflow: {load_text()}")
        plain, explained = batch_rates(uri, demo_leads(BATCH, tmp), repeats)
        loads.append(f"end: {load_text()}")
    report(figures, ceiling, plain, explained, loads)


if __name__ == "__main__":
    app()
