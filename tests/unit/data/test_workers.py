from __future__ import annotations

import threading
import time

import pytest

from devkit.data.workers import Workers


def test_calls_queued_by_calls_are_waited_for_and_at_most_count_run_at_once() -> None:
    pool = Workers(4, "t")
    lock = threading.Lock()
    done: list[int] = []
    running = peak = 0

    def part(n: int) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
            done.append(n)

    def whole(n: int) -> None:
        for i in range(3):  # a large object queues its parts from a worker
            pool.submit(part, n * 10 + i)

    for n in range(5):
        pool.submit(whole, n)
    pool.wait()
    assert sorted(done) == sorted(n * 10 + i for n in range(5) for i in range(3))
    assert 1 < peak <= 4
    pool.close()
    assert not any(t.is_alive() for t in threading.enumerate() if t.name.startswith("t_"))


def test_the_first_failure_is_raised_and_what_had_not_started_never_runs() -> None:
    pool = Workers(1, "f")
    ran: list[str] = []
    gate = threading.Event()

    def fail() -> None:
        gate.wait()
        raise OSError("disk full")

    pool.submit(fail)
    for name in ("a", "b"):
        pool.submit(ran.append, name)
    gate.set()
    with pytest.raises(OSError, match="disk full"):
        pool.wait()
    pool.submit(ran.append, "after")  # refused once a call failed
    pool.close()
    assert ran == []


def test_close_drops_queued_calls_and_waits_for_running_ones() -> None:
    pool = Workers(1, "c")
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow() -> None:
        started.set()
        release.wait()
        ran.append("slow")

    pool.submit(slow)
    pool.submit(ran.append, "queued")
    started.wait()
    pool.cancel()
    threading.Timer(0.05, release.set).start()
    pool.close()
    assert ran == ["slow"]


def test_a_thread_that_cannot_start_leaves_the_work_to_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started = 0
    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        nonlocal started
        if self.name.startswith("p_") and started >= 1:
            raise RuntimeError("can't start new thread")
        started += 1
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    pool = Workers(4, "p")
    ran: list[int] = []
    gate = threading.Event()
    pool.submit(gate.wait)
    for n in range(5):
        pool.submit(ran.append, n)  # no second thread: queued for the first
    gate.set()
    pool.wait()
    pool.close()
    assert ran == [0, 1, 2, 3, 4]


def test_when_no_thread_can_start_submit_says_so_and_nothing_is_left_pending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def start(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", start)
    pool = Workers(4, "n")
    with pytest.raises(RuntimeError):
        pool.submit(print, "never")
    pool.wait()  # returns: nothing is pending
    pool.close()
