"""Enrich prompts with a stub LLM (deterministic, offline): a summary and a token estimate."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyarrow.parquet as pq


def stub_llm(text: str, max_tokens: int) -> str:
    words = text.split()
    return " ".join(words[: min(len(words), max_tokens, 12)])


def main() -> int:
    path = Path("data/inference/prompts.parquet")
    if not path.exists():
        print(f"no prompts at {path}: run 'devkit sync-data' first", file=sys.stderr)
        return 2
    if os.environ.get("LLM_PROVIDER", "stub") != "stub":
        print("only the stub provider runs in dev", file=sys.stderr)
        return 2
    rows = pq.read_table(path).to_pylist()
    out = path.with_name("enriched.jsonl")
    with out.open("w") as fh:
        for row in rows:
            summary = stub_llm(str(row["text"]), int(row["max_tokens"]))
            fh.write(json.dumps({"prompt_id": row["prompt_id"], "summary": summary}) + "\n")
    print(f"enriched {len(rows)} prompts into {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
