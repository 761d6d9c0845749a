"""The FastAPI backend: read-only over the records its store holds."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.parquet as pq
from fastapi import FastAPI, HTTPException

STORE = Path(os.environ.get("API_STORE_DIR", "data/api"))
app = FastAPI(title="records API")


def _records() -> list[dict[str, object]]:
    path = STORE / "records.parquet"
    return pq.read_table(path).to_pylist() if path.exists() else []


@app.get("/health")
def health() -> dict[str, object]:
    return {"ok": True, "records": len(_records())}


@app.get("/records/{index}")
def record(index: int) -> dict[str, object]:
    rows = _records()
    if not 0 <= index < len(rows):
        raise HTTPException(status_code=404, detail="no such record")
    return {k: str(v) for k, v in rows[index].items()}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("API_PORT", "8000")))
