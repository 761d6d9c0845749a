"""The sync's worker threads: a fixed number of threads running queued calls, where a call may
queue more (a large object's parts), and the first failure stops the rest.

Not ``concurrent.futures``: importing it imports ``logging`` (about 6 ms here), on the path of
every sync that fetches, between its listing and its first download. The sync needs no futures,
only "run these, tell me when all are done or the first one failed".
"""

from __future__ import annotations

import threading
from collections import deque

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Workers:
    def __init__(self, count: int, name: str) -> None:
        self._count, self._name = max(1, count), name
        lock = threading.Lock()
        self._work_ready = threading.Condition(lock)  # idle workers wait here
        self._changed = threading.Condition(lock)  # wait() waits here: a call ended
        self._queue: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._pending = 0  # queued or running
        self._idle = 0
        self._threads: list[threading.Thread] = []
        self._error: BaseException | None = None
        self._closed = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(*args)``; a thread is started while fewer than ``count`` run and more
        calls wait than idle threads. Once a call failed or the workers are closed, nothing
        more is queued."""
        with self._work_ready:
            if self._closed or self._error is not None:
                return
            self._queue.append((fn, args))
            self._pending += 1
            if len(self._queue) > self._idle and len(self._threads) < self._count:
                thread = threading.Thread(
                    target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True
                )
                try:
                    thread.start()
                except RuntimeError:  # no thread to be had (a pids limit): the others run it
                    if not self._threads:
                        self._queue.pop()
                        self._pending -= 1
                        raise
                else:
                    self._threads.append(thread)
                    return
            self._work_ready.notify()

    def _work(self) -> None:
        while True:
            with self._work_ready:
                self._idle += 1
                while not self._queue and not self._closed:
                    self._work_ready.wait()
                self._idle -= 1
                if not self._queue:
                    return
                fn, args = self._queue.popleft()
            try:
                fn(*args)
            except BaseException as exc:
                with self._changed:
                    if self._error is None:
                        self._error = exc
                    self._drop_queued()
            finally:
                with self._changed:
                    self._pending -= 1
                    self._changed.notify_all()

    def _drop_queued(self) -> None:
        self._pending -= len(self._queue)
        self._queue.clear()

    def wait(self) -> None:
        """Until every queued call (and every call those queued) has finished; the first
        failure is raised here, as it was raised in its thread."""
        with self._changed:
            while self._pending and self._error is None:
                self._changed.wait()
            if self._error is not None:
                raise self._error

    def cancel(self) -> None:
        """Drop what has not started; running calls finish (they watch the sync's own flag)."""
        with self._changed:
            self._drop_queued()

    def close(self) -> None:
        """Drop what has not started and wait for the running calls to end."""
        with self._work_ready:
            self._closed = True
            self._drop_queued()
            self._work_ready.notify_all()
        for thread in self._threads:
            thread.join()
