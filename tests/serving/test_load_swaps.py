"""Load with swaps, short: a uvicorn scorer answers every request while three new champions are picked up.

The same run as `make bench-load` (benchmarks/load.py), shortened to 2,000 requests at concurrency 8; the
challengers are copies of the session's champion registered as new versions (training three would cost
most of the test budget; tests/serving/test_hot_reload.py swaps in a freshly trained model).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.load import LoadOptions, copy_store, load_with_swaps
from training.job import TrainResult

pytestmark = pytest.mark.slow

OPTIONS = LoadOptions(requests=2000, concurrency=8, reload_seconds=0.3, pickup_allowance=10.0)


def test_every_request_is_answered_by_the_champion_of_its_time(trained: TrainResult, tracking_uri: str,
                                                               tmp_path: Path) -> None:
    uri, initial, challengers = copy_store(tmp_path, tracking_uri, challengers=3)
    report = load_with_swaps(tmp_path, uri, initial, challengers, OPTIONS)
    pickups = [f"{swap.version} after {swap.first_seen - swap.moved_at:.2f} s" for swap in report.swaps
               if swap.first_seen is not None]
    print(f"\nload: {OPTIONS.requests} requests at concurrency {OPTIONS.concurrency}, {len(report.failures)} failed, "
          f"p50 {report.p50_ms:.1f} ms, p99 {report.p99_ms:.1f} ms ({report.p99_steady_ms:.1f} away from swaps), "
          f"{OPTIONS.requests / report.wall:.0f} req/s; "
          f"swaps observed {report.swaps_observed}/3: {', '.join(pickups)}")
    assert report.failures == []
    assert report.misstamped == []
    assert report.swaps_observed == 3
    assert set(report.versions) == {report.initial, *(swap.version for swap in report.swaps)}
