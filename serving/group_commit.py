"""Group commit: one writer thread commits everything waiting at that moment in one transaction.

A score is answered only after the transaction holding it has committed (and, on SQLite with
synchronous=FULL, reached the disk), so grouping keeps every acknowledged score durable while the disk
sync is paid once per group instead of once per request. One request alone is written at once; under
load the requests that arrive during a commit share the next one.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger("leadscore.group_commit")

Item = TypeVar("Item")
MAX_GROUP = 10_000  # items per transaction; a batch call's records always go in whole


@dataclass(frozen=True)
class _Write(Generic[Item]):
    items: Sequence[Item]
    done: Callable[[bool], None]


class GroupCommit(Generic[Item]):
    """Runs `commit(items) -> bool` on a writer thread for the groups of items waiting together.

    `commit` returns whether the items are stored; an exception it raises counts as not stored (and is
    logged), so a waiting request is always answered.
    """

    def __init__(self, commit: Callable[[list[Item]], bool], name: str = "score-log-writer") -> None:
        self._commit = commit
        self._name = name
        self._queue: queue.SimpleQueue[_Write[Item] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def write(self, items: Sequence[Item]) -> bool:
        """Store the items and wait for their commit (from a worker thread); whether they were stored."""
        finished = threading.Event()
        outcome: list[bool] = []

        def done(ok: bool) -> None:
            outcome.append(ok)
            finished.set()

        self._submit(_Write(items, done))
        finished.wait()
        return outcome[0]

    def write_async(self, items: Sequence[Item]) -> asyncio.Future[bool]:
        """Submit the items now; the future (of the running event loop) says whether they were stored once
        their commit is over, so the caller can do other work while the writer commits."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()

        def done(ok: bool) -> None:
            try:
                loop.call_soon_threadsafe(_settle, future, ok)
            except RuntimeError:  # the loop closed while the commit ran (shutdown): nobody is waiting
                pass

        self._submit(_Write(items, done))
        return future

    def close(self) -> None:
        """Commit what is waiting, then stop the writer."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _submit(self, write: _Write[Item]) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._queue.put(write)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group, stop = self._gather(first)
            items = [item for write in group for item in write.items]
            try:
                ok = self._commit(items)
            except Exception:  # noqa: BLE001 - a writer that died would leave every later request waiting
                log.exception("committing %d items failed", len(items))
                ok = False
            for write in group:
                write.done(ok)
            if stop:
                return

    def _gather(self, first: _Write[Item]) -> tuple[list[_Write[Item]], bool]:
        """The first write and those already waiting behind it; whether the stop signal came among them."""
        group, size = [first], len(first.items)
        while size < MAX_GROUP:
            try:
                write = self._queue.get_nowait()
            except queue.Empty:
                break
            if write is None:
                return group, True
            group.append(write)
            size += len(write.items)
        return group, False


def _settle(future: asyncio.Future[bool], ok: bool) -> None:
    if not future.done():
        future.set_result(ok)
