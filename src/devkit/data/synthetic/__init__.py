"""Synthetic datasets from a profile's declared tables: deterministic, vectorised, byte-stable."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from devkit import safefs
from devkit.data.manifest import Manifest, prepare_dest
from devkit.data.selection import check_no_symlink, check_relpath, table_file

if TYPE_CHECKING:
    from devkit.data.synthetic.generate import TableStream

GENERATOR_VERSION = 2


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
    threads: int | None = None,
) -> Manifest:
    """Generate every table into ``dest`` (temp file + rename each) and record the manifest.

    Each table streams through in row-group chunks. With ``threads`` above 1 the columns are
    shared out between that many threads, which make their columns' chunks ahead while the
    calling thread encodes, hashes and writes the earlier ones. Every column is drawn by one
    thread, in order, from its own streams, so the bytes are the same for any ``threads``
    (default: 2 on a machine with two CPUs or more, else 1)."""
    from devkit.data.synthetic.generate import streams

    if threads is None:
        threads = _default_threads()
    targets = {name: table_file(name, table) for name, table in tables.items()}
    for name, rel in targets.items():
        check_relpath(rel, f"synthetic table {name}")
        check_no_symlink(dest, rel, f"synthetic table {name}")
    planned = streams(tables, seed)  # a bad declaration fails here, before any file
    prepare_dest(dest)
    manifest = Manifest.load(dest)
    manifest.kind = "synthetic"
    manifest.source = {"spec": spec_digest(tables, seed), "seed": seed}
    for name, stream in planned.items():
        rel = targets[name]
        target = dest / rel
        # No fsync: the data can be regenerated, and a file a power cut left incomplete no
        # longer matches its manifest SHA-256, so the next run rewrites it.
        with safefs.atomic_writer(
            target, root=dest, strict_from=dest, prefix=".devkit-tmp-"
        ) as handle:
            sink = _HashingSink(handle)
            _write_table(stream, tables[name], sink, threads)
        manifest.record(
            rel,
            {
                "size": sink.size,
                "sha256": sink.digest.hexdigest(),
                "mtime_ns": target.stat().st_mtime_ns,
                "rows": stream.rows,
            },
        )
        if on_file:
            on_file(rel, sink.size)
    manifest.compact()
    return manifest


def _write_table(
    stream: TableStream, table: Mapping[str, Any], sink: _HashingSink, threads: int
) -> None:
    from devkit.data.synthetic.writers import ROW_GROUP_ROWS, open_writer

    fmt = str(table.get("format", "parquet"))
    writer = open_writer(sink, stream.schema, fmt, table.get("columns", {}))
    sizes, groups = stream.split(ROW_GROUP_ROWS, threads)
    with contextlib.ExitStack() as lanes:
        parts = []
        for group in groups:
            lane = _made_ahead(stream.lane(group, sizes), threads)
            lanes.callback(lane.close)  # stops its thread on any way out
            parts.append(lane)
        for pieces in zip(*parts, strict=True):
            writer.write_table(stream.assemble(groups, pieces))
    writer.close()


class _HashingSink:
    """A file's bytes on their way out: written, counted and SHA-256 hashed in one pass."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def write(self, data: Any) -> int:
        self.digest.update(data)
        self.handle.write(data)
        self.size += len(data)
        return len(data)


def _default_threads() -> int:
    return 2 if (os.cpu_count() or 1) >= 2 else 1


AHEAD = 4  # chunks made ahead: enough slack that one thread's pause does not stall the other


def _made_ahead(items: Iterator[Any], threads: int) -> Generator[Any, None, None]:
    """``items`` in order, made up to ``AHEAD`` ahead on a thread of their own while the caller
    uses the earlier ones (inline with ``threads=1``). That one thread makes them all, in order."""
    if threads <= 1:
        yield from items
        return
    import queue
    import threading

    done = object()
    ready: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(AHEAD)
    stop = threading.Event()

    def make() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        ready.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            ready.put((done, None))
        except BaseException as exc:  # handed to the caller's thread below
            ready.put((None, exc))

    worker = threading.Thread(target=make, name="devkit-synthetic", daemon=True)
    worker.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is done:
                return
            yield item
    finally:
        stop.set()
        worker.join()
