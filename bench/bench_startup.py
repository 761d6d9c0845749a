"""Start-up cost of `devkit --help` against a bare interpreter of the same environment.

Both commands run in turn (interleaved, so load on the machine hits both alike), N times each.
Prints the median wall time and the median CPU time (user + system of the child, from
getrusage: less sensitive to other load than wall time) and their ratios. Asserts nothing.
The children may write bytecode caches (PYTHONDONTWRITEBYTECODE is dropped), as an installed
package has them; without, every run would compile devkit's modules again.

Run: python bench/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed
TARGET = 2.0


def timed(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args(argv)
    devkit = shutil.which("devkit", path=str(Path(sys.executable).parent)) or "devkit"
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "devkit --help": [devkit, "--help"],
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for cmd in commands.values():  # warm the page cache once
        timed(cmd)
    for _ in range(args.runs):
        for name, cmd in commands.items():
            results[name].append(timed(cmd))
    base_wall = statistics.median(w for w, _ in results["python -c pass"])
    base_cpu = statistics.median(c for _, c in results["python -c pass"])
    print(
        f"{'command':<16} {'wall ms':>8} {'cpu ms':>8} {'wall ×':>7} {'cpu ×':>7}"
        f"  (medians of {args.runs})"
    )
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(
            f"{name:<16} {wall * 1000:8.1f} {cpu * 1000:8.1f} "
            f"{wall / base_wall:7.2f} {cpu / base_cpu if base_cpu else float('nan'):7.2f}"
        )
    ratio = statistics.median(w for w, _ in results["devkit --help"]) / base_wall
    print(f"target devkit --help <= {TARGET:.1f}x bare Python (wall): "
          f"{'met' if ratio <= TARGET else 'missed'} ({ratio:.2f}x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
