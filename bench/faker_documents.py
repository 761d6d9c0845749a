"""The baseline for bench_synthetic.py: a plain Faker loop writing the training profile's
``documents`` table to Parquet, run as its own process like ``devkit sync-data`` is.

Same columns and types as devkit declares them (uuid, 3-12 words of text, weighted language,
UTC timestamp in 2025, int label 0-9, float quality with 5 % nulls), the same row count, and the
same Parquet writer settings (devkit's ``parquet_options`` and row-group size). Faker is not a
devkit dependency: ``pip install Faker`` into the dev venv at bench time.

Run: python bench/faker_documents.py --rows N --out FILE   (prints its phases as JSON)
"""

from __future__ import annotations

import argparse
import json
import time
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def documents_spec(rows: int) -> dict[str, Any]:
    from devkit.config.profiles import ProfileSet

    data = ProfileSet(None).get("training").data
    assert data is not None
    return dict(data.tables["documents"], rows=rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import pyarrow as pa
    import pyarrow.parquet as pq
    from faker import Faker

    from devkit.data.synthetic.generate import streams
    from devkit.data.synthetic.writers import ROW_GROUP_ROWS, parquet_options

    spec = documents_spec(args.rows)
    schema = streams({"documents": spec}, 42)["documents"].schema  # devkit's own column types
    fake = Faker()
    Faker.seed(42)
    languages = OrderedDict([("en", 0.7), ("de", 0.2), ("fr", 0.1)])
    start_at, end_at = datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)

    began = time.perf_counter()
    records = []
    for _ in range(args.rows):
        records.append(
            {
                "id": fake.uuid4(),
                "title": " ".join(fake.words(nb=fake.random_int(3, 12))),
                "language": fake.random_element(languages),
                "scraped_at": fake.date_time_between(start_at, end_at, tzinfo=UTC),
                "label": fake.random_int(0, 9),
                "quality": None
                if fake.random.random() < 0.05
                else fake.pyfloat(min_value=0, max_value=1),
            }
        )
    looped = time.perf_counter()
    table = pa.Table.from_pylist(records, schema=schema)
    built = time.perf_counter()
    pq.write_table(
        table, args.out, row_group_size=ROW_GROUP_ROWS, **parquet_options(spec["columns"])
    )
    wrote = time.perf_counter()
    phases = {"loop": looped - began, "table": built - looped, "write": wrote - built}
    print(json.dumps({k: round(v, 3) for k, v in phases.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
