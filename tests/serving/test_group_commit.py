"""Group commit: writes that wait together share one commit, each writer learns its own outcome, none is lost."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from serving.group_commit import GroupCommit


class Recorder:
    """A commit function that holds its first call until released, so that writes queue up behind it."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.groups: list[list[str]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()
        self.fail_on = fail_on

    def __call__(self, items: list[str]) -> bool:
        self.groups.append(list(items))
        if len(self.groups) == 1:
            self.first_started.set()
            assert self.release.wait(10)
        if self.fail_on in items:
            raise RuntimeError("the database went away")
        return True


def queue_behind_first(writer: GroupCommit[str], recorder: Recorder, waiting: list[list[str]]) -> list[bool]:
    """Write ["first"], then the `waiting` writes while the first commit is held; every writer's outcome."""
    with ThreadPoolExecutor(max_workers=len(waiting) + 1) as pool:
        first = pool.submit(writer.write, ["first"])
        assert recorder.first_started.wait(10)
        later = [pool.submit(writer.write, items) for items in waiting]
        while writer._queue.qsize() < len(waiting):  # all queued behind the held commit
            threading.Event().wait(0.01)
        recorder.release.set()
        return [first.result(10), *(future.result(10) for future in later)]


def test_writes_waiting_during_a_commit_share_the_next_one() -> None:
    recorder = Recorder()
    writer: GroupCommit[str] = GroupCommit(recorder)
    outcomes = queue_behind_first(writer, recorder, [["a"], ["b", "c"], ["d"]])
    writer.close()
    assert outcomes == [True, True, True, True]
    assert recorder.groups[0] == ["first"]
    assert sorted(recorder.groups[1]) == ["a", "b", "c", "d"]  # one transaction for the three waiting writes
    assert len(recorder.groups) == 2


def test_a_failed_commit_answers_false_to_its_group_and_the_writer_goes_on() -> None:
    recorder = Recorder(fail_on="b")
    writer: GroupCommit[str] = GroupCommit(recorder)
    outcomes = queue_behind_first(writer, recorder, [["a"], ["b"]])
    assert outcomes == [True, False, False]  # a and b were in the failed transaction
    assert writer.write(["after"]) is True
    writer.close()


def test_a_commit_that_says_not_stored_is_reported() -> None:
    writer: GroupCommit[str] = GroupCommit(lambda items: False)
    assert writer.write(["x"]) is False
    writer.close()


def test_async_writers_are_answered_on_their_event_loop() -> None:
    groups: list[list[int]] = []
    writer: GroupCommit[int] = GroupCommit(lambda items: groups.append(list(items)) is None)

    async def main() -> list[bool]:
        return list(await asyncio.gather(*(writer.write_async([i]) for i in range(50))))

    assert asyncio.run(main()) == [True] * 50
    writer.close()
    assert sorted(item for group in groups for item in group) == list(range(50))


def test_close_commits_what_is_waiting() -> None:
    recorder = Recorder()
    writer: GroupCommit[str] = GroupCommit(recorder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(writer.write, ["first"])
        assert recorder.first_started.wait(10)
        second = pool.submit(writer.write, ["second"])
        while writer._queue.qsize() < 1:
            threading.Event().wait(0.01)
        closing = pool.submit(writer.close)
        recorder.release.set()
        closing.result(10)
        assert first.result(10) and second.result(10)
    assert [item for group in recorder.groups for item in group] == ["first", "second"]


@pytest.mark.parametrize("items", [[], ["one"]])
def test_a_write_after_close_starts_a_new_writer(items: list[str]) -> None:
    seen: list[list[str]] = []
    writer: GroupCommit[str] = GroupCommit(lambda got: seen.append(got) is None)
    writer.close()
    assert writer.write(items) is True
    writer.close()
    assert seen == [items]
