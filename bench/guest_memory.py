"""Memory a virtual machine hands back to its host, held while a benchmark runs.

A guest with free page reporting (virtio-balloon) tells the host which of its free memory
blocks it does not use; the host takes them back, and the guest's next write into such a block
faults into the host. On the machine these benchmarks were written on, the guest reported a
block as soon as a gigabyte of free memory had been waiting for about two seconds. Writing 1 GiB
into the page cache (one process, 1 MiB writes) took 0.19 s of system time into memory the guest
still held, and up to 1.17 s into memory it had reported. A report lands on whichever tool is
running at that moment; it depends on what ran before and when, not on the tool (see
bench/README.md).

``held()`` sets the kernel's ``page_reporting_order`` above the largest block the page allocator
has, so no free block qualifies and nothing is reported, and restores the value it found when the
benchmark ends (also on Ctrl-C or SIGTERM). It needs root, and a kernel that takes an order above
its largest block (the one these benchmarks ran on did; an upstream kernel may refuse it);
otherwise nothing changes and the line printed says so. ``returned_kib()`` is the kernel's
running total of memory reported, read around each timed run so a run that lost memory to the
host shows it.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

PARAMETERS = Path("/sys/module/page_reporting/parameters")
ORDER = PARAMETERS / "page_reporting_order"
REPORTED = PARAMETERS / "reported_kib"
# The page allocator's largest block is order 10 (4 MiB) on x86-64 and arm64 with 4 KiB pages:
# at order 11 no free block is large enough to be reported.
NEVER = 11


def returned_kib() -> int | None:
    """KiB of free memory reported to the host since boot; None where the kernel has no count."""
    try:
        return int(REPORTED.read_text())
    except (OSError, ValueError):
        return None


class _Terminated(BaseException):
    """SIGTERM while reporting is paused: unwinds to ``held``'s cleanup, which then lets the
    signal do what it would have done (``run_all`` catches SystemExit, so not that)."""


@contextlib.contextmanager
def held() -> Iterator[str]:
    """Free page reporting paused for the ``with`` block; yields one line saying what was done."""
    try:
        before = ORDER.read_text().strip()
    except OSError:
        yield "guest memory: no free page reporting here, nothing to hold"
        return
    if not before.isdigit():  # -1: no reporting device registered
        yield f"guest memory: free page reporting is not active (page_reporting_order {before})"
        return
    if before == str(NEVER):  # a run killed before it could put the value back
        yield (
            f"guest memory: free page reporting already paused (page_reporting_order {NEVER}); "
            "the kernel's default is the page block order, 9 on x86-64"
        )
        return

    def stop(signum: int, _frame: object) -> None:
        raise _Terminated(signum)

    previous = signal.signal(signal.SIGTERM, stop)  # ValueError off the main thread: unchanged
    try:
        try:
            ORDER.write_text(f"{NEVER}\n")
        except OSError as exc:  # not root, or a kernel that takes orders up to 10 only
            yield f"guest memory: free page reporting left on ({exc.strerror} writing {ORDER.name})"
            return
        try:
            yield (
                f"guest memory: free page reporting paused for the run (page_reporting_order "
                f"{before} -> {NEVER}, put back at the end)"
            )
        finally:
            try:
                ORDER.write_text(f"{before}\n")
            except OSError as exc:
                print(f"guest memory: could not put page_reporting_order back to {before}: "
                      f"{exc.strerror}", file=sys.stderr)  # fmt: skip
    except _Terminated:
        signal.signal(signal.SIGTERM, previous)
        signal.raise_signal(signal.SIGTERM)
        raise SystemExit(128 + signal.SIGTERM) from None  # a handler that returned
    finally:
        signal.signal(signal.SIGTERM, previous)
