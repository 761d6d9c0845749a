"""Every benchmark of issue 14 in one run, one section after another.

    python bench/run_all.py [--only synthetic,startup,check,init,sync] [--quick]

Each section is a bench module's ``main(argv)``; they print their own tables and target lines
(medians, wall-clock and CPU). ``--quick`` passes smaller sizes for a fast look (not for
quoting). The machine's load average is printed before each section: other work on the machine
slows every side of a comparison, but absolute figures (rows/s, seconds) move with it.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

# name: (module, full arguments, quick arguments)
SECTIONS: dict[str, tuple[str, list[str], list[str]]] = {
    "synthetic": (
        "bench_synthetic",
        [],
        ["--rows", "200000", "--faker-rows", "20000", "--runs", "1"],
    ),
    "startup": ("bench_startup", [], ["--runs", "5"]),
    "check": ("bench_check", [], ["--repeat", "3", "--files", "500"]),
    "init": ("bench_init", ["--cold", "0", "--warm", "5"], ["--cold", "0", "--warm", "2"]),
    # 5 runs: on a small virtual machine a cold cell varies by a third from run to run (memory
    # the host took back, the file system after thousands of deletions); of 3, two bad ones decide.
    "sync": ("bench_sync", ["--runs", "5"], ["--runs", "1"]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a fast look")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    sys.path.insert(0, str(BENCH))
    failed = []
    for name in names:
        module, full, quick = SECTIONS[name]
        print(f"\n== {name} ({module}) — load average {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} CPUs, {time.strftime('%H:%M:%S')}", flush=True)  # fmt: skip
        arguments = quick if args.quick else full
        entry = importlib.import_module(module).main
        sys.argv = [f"{module}.py", *arguments]  # for a main() that reads sys.argv itself
        try:
            code = entry(arguments) if entry.__code__.co_argcount else entry()
        except SystemExit as exc:  # a section that cannot run says why; the others still run
            if isinstance(exc.code, int) or exc.code is None:
                code = exc.code or 0
            else:
                print(exc.code)
                code = 1
        sys.stdout.flush()
        if code:
            failed.append(name)
    if failed:
        print(f"\nsections that failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
