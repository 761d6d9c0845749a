"""Synthetic datasets from a profile's declared tables: deterministic, vectorised, byte-stable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.data.manifest import Manifest, prepare_dest
from devkit.data.selection import check_no_symlink, check_relpath, table_file

GENERATOR_VERSION = 1


def spec_digest(tables: Mapping[str, Any], seed: int) -> str:
    """Identifies what would be generated: the declared tables, the seed, the generator."""
    text = json.dumps(
        {"tables": tables, "seed": seed, "generator": GENERATOR_VERSION},
        sort_keys=True,
        default=str,
    )
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_current(dest: Path, tables: Mapping[str, Any], seed: int) -> bool:
    """True when ``dest`` already holds exactly this synthetic dataset, untouched."""
    manifest = Manifest.load(dest)
    if manifest.kind != "synthetic" or manifest.source.get("spec") != spec_digest(tables, seed):
        return False
    wanted = {table_file(name, table) for name, table in tables.items()}
    return wanted <= set(manifest.files) and all(
        manifest.local_state(rel) == "ok" for rel in wanted
    )


def write_synthetic(
    tables: Mapping[str, Any],
    seed: int,
    dest: Path,
    on_file: Callable[[str, int], None] | None = None,
) -> Manifest:
    """Generate every table into ``dest`` (temp file + rename each) and record the manifest."""
    from devkit.data.synthetic.generate import generate
    from devkit.data.synthetic.writers import chunks

    targets = {name: table_file(name, table) for name, table in tables.items()}
    for name, rel in targets.items():
        check_relpath(rel, f"synthetic table {name}")
        check_no_symlink(dest, rel, f"synthetic table {name}")
    prepare_dest(dest)
    generated = generate(tables, seed)
    manifest = Manifest.load(dest)
    manifest.kind = "synthetic"
    manifest.source = {"spec": spec_digest(tables, seed), "seed": seed}
    for name, table in generated.items():
        rel = targets[name]
        pieces = chunks(table, str(tables[name].get("format", "parquet")))
        target = dest / rel
        digest, size = hashlib.sha256(), 0
        # No fsync: the data can be regenerated, and a file a power cut left incomplete no
        # longer matches its manifest SHA-256, so the next run rewrites it.
        with safefs.atomic_writer(
            target, root=dest, strict_from=dest, prefix=".devkit-tmp-"
        ) as handle:
            for piece in pieces:
                handle.write(piece)
                digest.update(piece)
                size += len(piece)
        del pieces
        manifest.record(
            rel,
            {
                "size": size,
                "sha256": digest.hexdigest(),
                "mtime_ns": target.stat().st_mtime_ns,
                "rows": table.num_rows,
            },
        )
        if on_file:
            on_file(rel, size)
    manifest.compact()
    return manifest
