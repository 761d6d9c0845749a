"""Keep the pages that were fetched successfully and tag them with their source's host."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit


def main() -> int:
    data = Path("data/ingestion")
    pages, sources = data / "pages.jsonl", data / "sources.csv"
    if not pages.exists() or not sources.exists():
        print(f"no ingestion data in {data}: run 'devkit sync-data' first", file=sys.stderr)
        return 2
    with sources.open(newline="") as fh:
        hosts = {row["source_id"]: urlsplit(row["homepage"]).hostname for row in csv.DictReader(fh)}
    out_dir = Path(os.environ.get("INGEST_OUTPUT_DIR", data / "processed"))
    out_dir.mkdir(parents=True, exist_ok=True)
    kept = 0
    with pages.open() as src, (out_dir / "pages.jsonl").open("w") as dst:
        for line in src:
            page = json.loads(line)
            if str(page.get("status")) != "200":
                continue
            page["source_host"] = hosts.get(str(page.get("source_id")))
            dst.write(json.dumps(page) + "\n")
            kept += 1
    print(f"kept {kept} pages with status 200")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
