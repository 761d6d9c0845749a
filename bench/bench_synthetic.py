"""Synthetic data: `devkit sync-data --synthetic` against a plain Faker loop, side by side.

Both sides make the training profile's ``documents`` table (uuid, 3-12 words of text, weighted
category, UTC timestamp, int, nullable float) with the same row count and write it as Parquet
with the same writer settings, each as a new process timed from start to exit (interpreter,
imports, generation, Parquet, and for devkit also the SHA-256 manifest):

- devkit: ``devkit sync-data --synthetic --profile training`` in a scratch workspace whose
  ``.devkit/profiles/training.yaml`` raises ``documents`` to --rows rows (the profile's other
  table, ``labels``, 10 rows, comes along and is counted);
- Faker: ``bench/faker_documents.py`` (see there; ``pip install Faker`` into the dev venv).

Runs are interleaved (--devkit-runs devkit runs, then one Faker run, --runs times) so load on
the machine hits both alike; the medians are compared, wall-clock and CPU (user + system of the
child). devkit's runs are short, so it gets more of them: its median is then less at the mercy
of one burst of load elsewhere. devkit's own
generation in-process (2 threads and 1) is printed too: the difference to the CLI is start-up.
Every devkit run must produce the same bytes (checked from the manifests). Child processes may
write bytecode caches, as an installed package has them. --faker-rows below --rows shortens the
Faker side (its rate is then extrapolated; say so when quoting it).

Run:  python bench/bench_synthetic.py [--rows 1000000] [--faker-rows N] [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OVERRIDE = """\
name: training
extends: training
data:
  synthetic:
    tables:
      documents:
        rows: {rows}
"""
TARGET_RATIO = 50.0
TARGET_RATE = 1_000_000.0


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of one child process, and its standard output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode is cached
    env["NO_COLOR"] = "1"
    return env


def documents_digest(dest: Path) -> str:
    manifest = json.loads((dest / ".devkit-manifest.json").read_text())
    files = manifest["files"]
    entry = files["documents.parquet"] if isinstance(files, dict) else None
    return str(entry["sha256"]) if entry else "?"


def in_process(rows: int, threads: int, dest: Path) -> tuple[float, float, str]:
    from devkit.config.profiles import ProfileSet
    from devkit.data.synthetic import write_synthetic

    data = ProfileSet(None).get("training").data
    assert data is not None
    tables = dict(data.tables, documents=dict(data.tables["documents"], rows=rows))
    start, cpu = time.perf_counter(), time.process_time()
    manifest = write_synthetic(tables, data.synthetic_seed, dest, threads=threads)
    took = time.perf_counter() - start, time.process_time() - cpu
    return took[0], took[1], str(manifest.files["documents.parquet"]["sha256"])


def line(label: str, rows: int, times: list[tuple[float, float]]) -> tuple[float, float]:
    wall = statistics.median(t for t, _ in times)
    cpu = statistics.median(c for _, c in times)
    print(
        f"  {label:34} {rows:>10,} rows  wall {wall:7.3f} s {rows / wall:>11,.0f} rows/s"
        f"   cpu {cpu:7.3f} s {rows / cpu:>11,.0f} rows/s"
    )
    return rows / wall, rows / cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--faker-rows", type=int, help="default: --rows")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--devkit-runs", type=int, default=5, help="devkit runs before each Faker run"
    )
    args = parser.parse_args(argv)
    if importlib.util.find_spec("faker") is None:
        print(f"Faker is not installed for {sys.executable}: the comparison needs it")
        print(f"hint: {sys.executable} -m pip install Faker, then run this again")
        return 2
    faker_rows = args.faker_rows or args.rows
    devkit = shutil.which("devkit", path=str(Path(sys.executable).parent)) or "devkit"
    env = child_env()
    work = Path(tempfile.mkdtemp(prefix="devkit-bench-synthetic-"))
    try:
        ws = work / "ws"
        (ws / ".devkit" / "profiles").mkdir(parents=True)
        (ws / ".devkit" / "profiles" / "training.yaml").write_text(OVERRIDE.format(rows=args.rows))
        dest = ws / "data" / "training"
        cli = [devkit, "sync-data", "--synthetic", "--profile", "training", "--no-input"]
        faker = [sys.executable, str(BENCH / "faker_documents.py")]
        # Warm-up: bytecode caches and the page cache, for both sides.
        timed([*cli, "--workspace", str(ws)], env, ws)
        timed([*faker, "--rows", "1000", "--out", str(work / "warm.parquet")], env, work)
        runs: dict[str, list[tuple[float, float]]] = {"devkit": [], "faker": []}
        digests, phases = set(), []
        for run in range(args.runs):
            for _ in range(args.devkit_runs):
                shutil.rmtree(dest, ignore_errors=True)
                wall, cpu, _ = timed([*cli, "--workspace", str(ws)], env, ws)
                runs["devkit"].append((wall, cpu))
                digests.add(documents_digest(dest))
            out = work / f"faker-{run}.parquet"
            wall, cpu, stdout = timed(
                [*faker, "--rows", str(faker_rows), "--out", str(out)], env, work
            )
            runs["faker"].append((wall, cpu))
            phases.append(json.loads(stdout.strip().splitlines()[-1]))
            out.unlink()
        inproc: dict[int, list[tuple[float, float]]] = {2: [], 1: []}
        in_process(1000, 2, work / "in-warm")  # imports and first calls, outside the timing
        for run in range(args.runs):
            for threads in inproc:
                folder = work / f"in-{threads}-{run}"
                wall, cpu, digest = in_process(args.rows, threads, folder)
                inproc[threads].append((wall, cpu))
                digests.add(digest)
                shutil.rmtree(folder)

        total = args.rows + 10  # the profile's labels table comes along
        print(
            f"synthetic: training 'documents' as Parquet; medians of {args.runs} Faker runs, each "
            f"after {args.devkit_runs} devkit runs; load average {os.getloadavg()[0]:.1f} on "
            f"{os.cpu_count()} CPUs"
        )
        dk = line("devkit sync-data --synthetic (CLI)", total, runs["devkit"])
        fk = line("Faker loop (process)", faker_rows, runs["faker"])
        line("  devkit in-process, 2 threads", total, inproc[2])
        line("  devkit in-process, 1 thread", total, inproc[1])
        loop = statistics.median(p["loop"] for p in phases)
        table = statistics.median(p["table"] for p in phases)
        write = statistics.median(p["write"] for p in phases)
        print(
            f"  Faker phases: loop {loop:.2f} s, from_pylist {table:.2f} s, Parquet {write:.2f} s"
        )
        if faker_rows != args.rows:
            print(f"  (Faker made {faker_rows:,} rows; its rate is extrapolated to {args.rows:,})")
        ratio_wall, ratio_cpu = dk[0] / fk[0], dk[1] / fk[1]
        print(f"  devkit / Faker: {ratio_wall:.1f}x wall-clock, {ratio_cpu:.1f}x CPU time")
        print(f"  same bytes in every devkit run (CLI, 2 threads, 1 thread): {len(digests) == 1}")
        met = "met" if ratio_wall >= TARGET_RATIO else "missed"
        print(f"  target >= {TARGET_RATIO:.0f}x Faker (wall): {met}")
        met = "met" if dk[0] >= TARGET_RATE else "missed"
        print(f"  target >= {TARGET_RATE:,.0f} rows/s through the CLI (wall): {met}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
