"""Train a tiny per-language label-frequency model and log it to the local model registry."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow.parquet as pq


def main() -> int:
    data_dir = Path(os.environ.get("TRAIN_DATA_DIR", "data/training"))
    path = data_dir / "documents.parquet"
    if not path.exists():
        print(f"no training data at {path}: run 'devkit sync-data' first", file=sys.stderr)
        return 2
    table = pq.read_table(path, columns=["language", "label"])
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    for language, label in zip(
        table.column("language").to_pylist(), table.column("label").to_pylist(), strict=True
    ):
        counts[str(language)][int(label)] += 1
    model = {lang: c.most_common(1)[0][0] for lang, c in sorted(counts.items())}
    registry = Path("models/training")
    registry.mkdir(parents=True, exist_ok=True)
    run = {"rows": table.num_rows, "model": model, "trained_at": time.time()}
    (registry / "model.json").write_text(json.dumps(run, indent=2))
    print(f"trained on {table.num_rows} rows; majority label per language: {model}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
