"""The local dataset's schema and version, as a fingerprint records them.

``dataset_facts`` is the one interface the rest of parity uses; the schema reader (pyarrow) and
the manifest digest live behind it so the data package's reader can replace them. Results are
cached in ``.devkit/cache/`` keyed by every file's path, size and mtime, so ``devkit check`` does
not import pyarrow or re-hash files when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from devkit.errors import ConfigError

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CACHE_FILE = "dataset-facts.json"


def data_files(dest: Path) -> list[Path]:
    """Data files under ``dest`` (hidden files and folders skipped), sorted."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(dest):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if not name.startswith(".") and path.suffix.lower() in FORMATS:
                found.append(path)
    return found


def _signature(dest: Path, files: list[Path]) -> str:
    h = hashlib.sha256()
    for path in files:
        st = path.stat()
        h.update(f"{path.relative_to(dest).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def table_name(dest: Path, path: Path) -> str:
    return path.relative_to(dest).with_suffix("").as_posix()


def file_schema(path: Path) -> list[dict[str, Any]]:
    """Columns of one file: name, Arrow type and nullability (pyarrow reads metadata only for
    Parquet and the first block for CSV and JSON lines)."""
    kind = FORMATS[path.suffix.lower()]
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            schema = pq.read_schema(path)
        elif kind == "csv":
            import pyarrow.csv as pcsv

            with pcsv.open_csv(path) as reader:
                schema = reader.schema
        else:
            import pyarrow.json as pjson

            schema = pjson.read_json(path).schema
    except Exception as exc:  # pyarrow raises many types (ArrowInvalid, OSError, ...)
        raise ConfigError(
            f"cannot read the schema of {path.name}: {str(exc).splitlines()[0][:200]}",
            "re-sync the dataset ('devkit sync-data') or remove the broken file",
        ) from None
    return [{"name": f.name, "type": str(f.type), "nullable": bool(f.nullable)} for f in schema]


def dataset_schema(dest: Path) -> dict[str, Any]:
    """{table: {format, columns: [{name, type, nullable}]}} for every data file under ``dest``."""
    return {
        table_name(dest, p): {"format": FORMATS[p.suffix.lower()], "columns": file_schema(p)}
        for p in data_files(dest)
    }


def manifest_digest(dest: Path) -> str | None:
    """A digest of what the local sample holds: every file's path, size and content hash."""
    files = data_files(dest)
    if not files:
        return None
    outer = hashlib.sha256()
    for path in files:
        inner = hashlib.sha256()
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                inner.update(block)
        rel = path.relative_to(dest).as_posix()
        outer.update(f"{rel}\0{path.stat().st_size}\0{inner.hexdigest()}\n".encode())
    return f"sha256:{outer.hexdigest()}"


def dataset_facts(root: Path, dest_rel: str, cache_dir: Path | None) -> dict[str, Any]:
    """{dest, present, files, schema, manifest_digest} of the dataset at ``root/dest_rel``."""
    dest = root / dest_rel
    if not dest.is_dir():
        return {
            "dest": dest_rel,
            "present": False,
            "files": 0,
            "schema": {},
            "manifest_digest": None,
        }
    files = data_files(dest)
    signature = _signature(dest, files)
    cache = cache_dir / CACHE_FILE if cache_dir else None
    cached = _read_cache(cache, dest_rel, signature)
    if cached is not None:
        return cached
    facts = {
        "dest": dest_rel,
        "present": True,
        "files": len(files),
        "schema": dataset_schema(dest),
        "manifest_digest": manifest_digest(dest),
    }
    if cache is not None:
        _write_cache(cache, dest_rel, signature, facts)
    return facts


def _read_cache(cache: Path | None, dest_rel: str, signature: str) -> dict[str, Any] | None:
    if cache is None or not cache.is_file():
        return None
    try:
        entry = json.loads(cache.read_text(encoding="utf-8")).get(dest_rel, {})
    except (OSError, ValueError, AttributeError):
        return None  # a broken cache is only a slower check
    if isinstance(entry, dict) and entry.get("signature") == signature:
        facts = entry.get("facts")
        return facts if isinstance(facts, dict) else None
    return None


def _write_cache(cache: Path, dest_rel: str, signature: str, facts: dict[str, Any]) -> None:
    try:
        existing = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
        if not isinstance(existing, dict):
            existing = {}
    except (OSError, ValueError):
        existing = {}
    existing[dest_rel] = {"signature": signature, "facts": facts}
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_text(json.dumps(existing, indent=1), encoding="utf-8")
    os.replace(tmp, cache)
