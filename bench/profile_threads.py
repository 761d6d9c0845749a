"""Run devkit's CLI under cProfile in every thread (the sync's workers included), merged.

cProfile sees only the thread it runs in; a sync does its work in worker threads
(``devkit.data.workers``). Every thread started while devkit runs gets its own profiler here
(``threading.Thread.run`` is wrapped), and the stats are merged into one file.

Run:  python bench/profile_threads.py OUT.prof sync-data --profile P --workspace W ...
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import threading
from typing import Any

_profiles: list[cProfile.Profile] = []  # of threads that have ended: a running one is left out
_run = threading.Thread.run


def _profiled_run(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
    profile = cProfile.Profile()
    profile.enable()
    try:
        _run(self, *args, **kwargs)
    finally:
        profile.disable()
        _profiles.append(profile)


def main() -> int:
    threading.Thread.run = _profiled_run  # type: ignore[method-assign]
    from devkit.cli import main as devkit

    out = sys.argv[1]
    profile = cProfile.Profile()
    profile.enable()
    code = devkit(sys.argv[2:])
    profile.disable()
    stats = pstats.Stats(profile)
    for worker in _profiles:
        if worker.getstats():
            stats.add(worker)
    stats.dump_stats(out)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
