"""The local dataset's schema and version, as a fingerprint records them.

``dataset_facts`` is the one interface the rest of parity uses; the schema reader and the
manifest digest are the data package's (``devkit.data.schema``, ``devkit.data.manifest``).
Results are cached in ``.devkit/cache/`` keyed by every file's path, size and mtime, so
``devkit check`` does not import pyarrow or re-hash files when nothing changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.data.manifest import Manifest, content_id, digest_of
from devkit.data.manifest import manifest_digest as from_manifest
from devkit.data.schema import dataset_files
from devkit.data.schema import dataset_schema as read_schema

CACHE_FILE = "dataset-facts.json"
# The data package's manifest files: a re-sync changes them, so they are part of the signature.
MANIFEST_FILES = (".devkit-manifest.json", ".devkit-manifest.journal")


def _signature(dest: Path, files: list[Path]) -> str:
    h = hashlib.sha256()
    extra = [dest / name for name in MANIFEST_FILES if (dest / name).is_file()]
    for path in [*files, *extra]:
        st = path.stat()
        h.update(f"{path.relative_to(dest).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def data_files(dest: Path) -> list[Path]:
    return [path for _, path in dataset_files(dest)]


def dataset_schema(dest: Path) -> dict[str, Any]:
    """{table: {path, format, rows, columns: [{name, type, nullable}]}} (the data package's
    reader: logical types, the same for Parquet, CSV and JSON lines)."""

    tables: dict[str, Any] = read_schema(dest)["tables"]
    return tables


def content_digest(dest: Path, files: list[Path]) -> str | None:
    """The manifest's digest formula over the files themselves, for data devkit did not write."""
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


def manifest_digest(dest: Path, files: list[Path]) -> str | None:
    """The version of the local sample: the sync manifest's digest when devkit wrote it."""

    return from_manifest(dest) or content_digest(dest, files)


MAX_IDENTITY_FILES = 200  # per-file digests kept to name what changed


def schema_hash(schema: dict[str, Any]) -> str:
    """The dataset's shape only (tables, columns, types, nullability): no paths, no row counts."""
    shape = {
        table: [
            [c.get("name"), c.get("type"), bool(c.get("nullable", True))]
            for c in (info.get("columns", []) if isinstance(info, dict) else [])
        ]
        for table, info in sorted(schema.items())
    }
    text = json.dumps(shape, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def dataset_identity(
    dest: Path, files: list[Path], schema: dict[str, Any], digest: str | None
) -> dict[str, Any]:
    """Which dataset this is, as a run records it and ``data_version`` compares it:

    - synthetic data devkit generated: ``version`` = seed + schema hash (same seed and declared
      tables generate the same bytes);
    - a sample devkit synced: ``version`` = the sync manifest's content digest;
    - anything else: ``version`` = the content digest of the files.
    ``files`` maps each file to a short content id (the manifest's SHA-256, else its size), so
    a change can be named.
    """

    shape = schema_hash(schema)
    manifest = Manifest.load(dest)
    per_file: dict[str, str] = {}
    if manifest is not None and manifest.files:
        for rel in sorted(manifest.files)[:MAX_IDENTITY_FILES]:
            content = content_id(manifest.files[rel]) or ""
            algorithm, _, value = content.partition(":")
            per_file[rel] = f"{algorithm}:{value[:16]}" if content else "?"
    else:
        for path in files[:MAX_IDENTITY_FILES]:
            per_file[path.relative_to(dest).as_posix()] = f"{path.stat().st_size} bytes"
    if manifest is not None and manifest.kind == "synthetic" and manifest.files:
        seed = manifest.source.get("seed")
        digest = digest_of(manifest.files)
        return {
            "kind": "synthetic",
            "seed": seed,
            "spec": manifest.source.get("spec"),
            "schema_hash": shape,
            "version": f"synthetic seed {seed}, schema {shape[:19]}",
            "digest": digest,
            "files": per_file,
        }
    kind = "sample" if manifest is not None and manifest.files else "files"
    return {
        "kind": kind,
        "seed": None,
        "spec": None,
        "schema_hash": shape,
        "version": digest,
        "digest": digest,
        "files": per_file,
    }


def dataset_facts(root: Path, dest_rel: str, cache_dir: Path | None) -> dict[str, Any]:
    """{dest, present, files, schema, manifest_digest, identity} of the dataset at
    ``root/dest_rel``."""
    dest = root / dest_rel
    if not dest.is_dir():
        return {
            "dest": dest_rel,
            "present": False,
            "files": 0,
            "schema": {},
            "manifest_digest": None,
            "identity": None,
        }
    files = data_files(dest)
    signature = _signature(dest, files)
    cache = cache_dir / CACHE_FILE if cache_dir else None
    cached = _read_cache(cache, dest_rel, signature)
    if cached is not None:
        return cached
    schema = dataset_schema(dest)
    digest = manifest_digest(dest, files)
    facts = {
        "dest": dest_rel,
        "present": True,
        "files": len(files),
        "schema": schema,
        "manifest_digest": digest,
        "identity": dataset_identity(dest, files, schema, digest),
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
        # Entries written before datasets had an identity are computed again.
        return facts if isinstance(facts, dict) and "identity" in facts else None
    return None


def _write_cache(cache: Path, dest_rel: str, signature: str, facts: dict[str, Any]) -> None:
    try:
        existing = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
        if not isinstance(existing, dict):
            existing = {}
    except (OSError, ValueError):
        existing = {}
    existing[dest_rel] = {"signature": signature, "facts": facts}

    safefs.write_text(cache, json.dumps(existing, indent=1))
