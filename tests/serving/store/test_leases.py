"""Leases: one holder at a time, taken over only after expiry, renewal refused to a holder that lost it."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from serving.store.database import LeadStore
from serving.store.leases import LeaseLost, release_lease, renew_lease, take_lease

NOW = dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.UTC)


def test_a_free_lease_is_taken_and_a_second_holder_is_told_who_has_it(store: LeadStore) -> None:
    taken, ours = take_lease(store, "rescore", "a:1", 60, NOW)
    assert taken and ours.expires_at == NOW + dt.timedelta(seconds=60)
    refused, theirs = take_lease(store, "rescore", "b:2", 60, NOW + dt.timedelta(seconds=30))
    assert not refused and (theirs.holder, theirs.expires_at) == ("a:1", ours.expires_at)


def test_the_holder_may_take_its_own_lease_again(store: LeadStore) -> None:
    take_lease(store, "rescore", "a:1", 60, NOW)
    assert take_lease(store, "rescore", "a:1", 60, NOW + dt.timedelta(seconds=1))[0]


def test_an_expired_lease_is_taken_over_and_its_old_holder_can_no_longer_renew(store: LeadStore) -> None:
    _, old = take_lease(store, "rescore", "a:1", 60, NOW)
    taken, new = take_lease(store, "rescore", "b:2", 60, NOW + dt.timedelta(seconds=61))
    assert taken and new.holder == "b:2"
    with pytest.raises(LeaseLost, match="a:1"):
        renew_lease(store, old, 60, NOW + dt.timedelta(seconds=62))
    assert renew_lease(store, new, 60, NOW + dt.timedelta(seconds=62)).expires_at == NOW + dt.timedelta(seconds=122)


def test_renewing_keeps_others_out_past_the_first_expiry(store: LeadStore) -> None:
    _, lease = take_lease(store, "rescore", "a:1", 60, NOW)
    renew_lease(store, lease, 60, NOW + dt.timedelta(seconds=50))
    assert not take_lease(store, "rescore", "b:2", 60, NOW + dt.timedelta(seconds=70))[0]


def test_a_released_lease_is_free_and_releasing_anothers_does_nothing(store: LeadStore) -> None:
    _, lease = take_lease(store, "rescore", "a:1", 60, NOW)
    release_lease(store, lease)
    _, other = take_lease(store, "rescore", "b:2", 60, NOW)
    release_lease(store, lease)  # a:1 no longer holds it
    assert not take_lease(store, "rescore", "c:3", 60, NOW)[0]
    assert other.holder == "b:2"


def test_names_are_separate_leases(store: LeadStore) -> None:
    assert take_lease(store, "rescore", "a:1", 60, NOW)[0]
    assert take_lease(store, "nightly-report", "b:2", 60, NOW)[0]


def test_of_many_takers_at_once_exactly_one_wins(store: LeadStore) -> None:
    take_lease(store, "warm-up", "x", 1, NOW)  # the schema is migrated before the race
    results: list[bool] = []
    start = threading.Barrier(8)

    def take(holder: str) -> None:
        start.wait()
        results.append(take_lease(store, "rescore", holder, 60, NOW)[0])

    threads = [threading.Thread(target=take, args=(f"host-{i}:1",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
