"""Run devkit's CLI under cProfile in every thread (the sync's workers included), merged.

cProfile sees only the thread it runs in; a sync does its work in a thread pool. Each pool
worker gets its own profiler here and the stats are merged into one file.

Run:  python bench/profile_threads.py OUT.prof sync-data --profile P --workspace W ...
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from concurrent.futures import thread as pool_thread
from typing import Any

_profiles: list[cProfile.Profile] = []
_worker = pool_thread._worker  # type: ignore[attr-defined]


def _profiled_worker(*args: Any, **kwargs: Any) -> Any:
    profile = cProfile.Profile()
    _profiles.append(profile)
    profile.enable()
    try:
        return _worker(*args, **kwargs)
    finally:
        profile.disable()


def main() -> int:
    pool_thread._worker = _profiled_worker  # type: ignore[attr-defined]
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
