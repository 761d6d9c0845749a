"""Benchmark: devkit's synthetic generator vs a Faker loop, on the training profile's schema.

Both produce the same table (the training profile's ``documents``: uuid, text of 3-12 words,
weighted category, timestamp range, int, nullable float) and write it as Parquet. devkit makes
--rows rows (default 1,000,000, the median of --runs runs, written and fsynced); the Faker loop,
being about two orders of magnitude slower, makes --faker-rows rows and its rows/s is reported
(its per-row cost does not depend on the row count). Faker is not a devkit dependency:

    pip install Faker            # into the dev venv, at bench time

Run:  python bench/bench_synthetic.py [--rows 1000000] [--faker-rows 50000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any


def training_documents(rows: int) -> dict[str, Any]:
    from devkit.config.profiles import ProfileSet

    data = ProfileSet(None).get("training").data
    assert data is not None
    return {"documents": dict(data.tables["documents"], rows=rows)}


def run_devkit(rows: int, folder: Path) -> tuple[float, float]:
    from devkit.data.synthetic import write_synthetic

    tables = training_documents(rows)
    start, cpu = time.perf_counter(), time.process_time()
    write_synthetic(tables, 42, folder)
    return time.perf_counter() - start, time.process_time() - cpu


def run_faker(rows: int, folder: Path) -> tuple[float, float]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    from faker import Faker

    fake = Faker()
    Faker.seed(42)
    rng = random.Random(42)
    start_at, end_at = datetime(2025, 1, 1), datetime(2026, 1, 1)
    start, cpu = time.perf_counter(), time.process_time()
    records = []
    for _ in range(rows):
        records.append(
            {
                "id": fake.uuid4(),
                "title": fake.sentence(nb_words=rng.randint(3, 12), variable_nb_words=False),
                "language": rng.choices(["en", "de", "fr"], [0.7, 0.2, 0.1])[0],
                "scraped_at": fake.date_time_between(start_at, end_at),
                "label": fake.random_int(0, 9),
                "quality": None if rng.random() < 0.05 else fake.pyfloat(min_value=0, max_value=1),
            }
        )
    pq.write_table(pa.Table.from_pylist(records), folder / "documents.parquet")
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--faker-rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    # Warm the imports so neither side pays for them.
    import pyarrow.compute
    import pyarrow.parquet  # noqa: F401

    work = Path(tempfile.mkdtemp(prefix="devkit-bench-synthetic-"))
    try:
        devkit: list[tuple[float, float]] = []
        faker: list[tuple[float, float]] = []
        for run in range(args.runs):  # interleaved, so both see the same machine load
            devkit.append(run_devkit(args.rows, work / f"devkit-{run}"))
            shutil.rmtree(work / f"devkit-{run}")
            (work / f"faker-{run}").mkdir()
            faker.append(run_faker(args.faker_rows, work / f"faker-{run}"))
        print("synthetic generation, training profile 'documents' schema, written as Parquet")
        rates = {}
        for label, rows, times in (
            ("devkit", args.rows, devkit),
            ("Faker", args.faker_rows, faker),
        ):
            wall = statistics.median(t for t, _ in times)
            cpu = statistics.median(c for _, c in times)
            rates[label] = (rows / wall, rows / cpu)
            print(
                f"  {label:6}: {rows:>9,} rows  median wall {wall:6.2f}s "
                f"({rows / wall:>10,.0f} rows/s)  cpu {cpu:6.2f}s ({rows / cpu:>10,.0f} rows/s)"
            )
        wall_ratio = rates["devkit"][0] / rates["Faker"][0]
        cpu_ratio = rates["devkit"][1] / rates["Faker"][1]
        print(f"  speed-up: {wall_ratio:.1f}x wall-clock, {cpu_ratio:.1f}x CPU time "
              f"(runs: {args.runs} each, interleaved)")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
