"""Streamed synthetic generation: chunk sizes, thread counts and machines do not change a byte."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from devkit.config.profiles import ProfileSet
from devkit.data.synthetic import write_synthetic
from devkit.data.synthetic.columns import ColumnDraws, gen_text, gen_uuid, null_mask, with_nulls
from devkit.data.synthetic.generate import generate, streams
from devkit.data.synthetic.rand import Draw
from devkit.data.synthetic.writers import ROW_GROUP_ROWS, encode
from support.synthetic_tables import MIXED, digests


def training(rows: int) -> dict[str, Any]:
    data = ProfileSet(None).get("training").data
    assert data is not None
    return dict(data.tables, documents=dict(data.tables["documents"], rows=rows))


@pytest.mark.parametrize("chunk_rows", [1, 7, 299, 300, 4096])
def test_a_table_made_in_chunks_equals_the_table_made_at_once(chunk_rows: int) -> None:
    whole = generate(MIXED, 9)
    chunked = generate(MIXED, 9, chunk_rows=chunk_rows)
    for name in MIXED:
        assert chunked[name].equals(whole[name]), name


def test_one_thread_or_two_write_the_same_bytes(tmp_path: Path) -> None:
    # More rows than one row group, so several chunks are made ahead on the second thread.
    tables = {**training(2 * ROW_GROUP_ROWS + 123), **MIXED}
    write_synthetic(tables, 3, tmp_path / "one", threads=1)
    write_synthetic(tables, 3, tmp_path / "two", threads=2)
    assert digests(tmp_path / "one") == digests(tmp_path / "two")
    assert pq.read_metadata(tmp_path / "two" / "documents.parquet").num_row_groups == 3
    write_synthetic(tables, 4, tmp_path / "other")
    assert (
        digests(tmp_path / "other")["documents.parquet"]
        != digests(tmp_path / "two")["documents.parquet"]
    )


def test_columns_shared_out_between_threads_write_the_same_bytes(tmp_path: Path) -> None:
    tables = {**training(2 * ROW_GROUP_ROWS + 123), **MIXED}
    # Two threads really split the documents' columns (each column in exactly one of them).
    _, groups = streams(tables, 3)["documents"].split(ROW_GROUP_ROWS, 2)
    assert len(groups) == 2
    assert sorted(c for g in groups for c in g) == sorted(tables["documents"]["columns"])
    for threads in (1, 2, 3):
        write_synthetic(tables, 3, tmp_path / str(threads), threads=threads)
    assert digests(tmp_path / "1") == digests(tmp_path / "2") == digests(tmp_path / "3")


def test_uuids_are_the_stream_bytes_as_version_4_uuids() -> None:
    n = 3000
    got = gen_uuid({}, n, ColumnDraws(8, "t", "id")).to_pylist()
    raw = Draw(8, "t", "id", "values").raw(2 * n).astype("<u8").tobytes()
    want = []
    for i in range(n):
        b = bytearray(raw[16 * i : 16 * i + 16])
        b[6], b[8] = (b[6] & 0x0F) | 0x40, (b[8] & 0x3F) | 0x80
        want.append(str(uuid.UUID(bytes=bytes(b))))
    assert got == want
    assert {uuid.UUID(u).version for u in got} == {4}
    assert gen_uuid({}, 0, ColumnDraws(8, "t", "id")).to_pylist() == []


def test_parquet_path_skips_the_imports_it_does_not_use(tmp_path: Path) -> None:
    # pyarrow.compute's wrappers and numpy's masked arrays cost start-up time and are not needed
    # for Parquet; numpy's BLAS thread setting is not left in the environment.
    code = (
        "import os, sys; from pathlib import Path; from devkit.config.profiles import ProfileSet;"
        "from devkit.data.synthetic import write_synthetic;"
        "d = ProfileSet(None).get('training').data;"
        "write_synthetic(d.tables, d.synthetic_seed, Path(sys.argv[1]), threads=2);"
        "print(sorted(m for m in ('pyarrow.compute', 'numpy.ma', 'pandas') if m in sys.modules),"
        " os.environ.get('OPENBLAS_NUM_THREADS'))"
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.stdout.split() == ["[]", "None"]
    assert (tmp_path / "documents.parquet").is_file()


# The generated values, pinned: the same seed gives these bytes on any machine and NumPy (the
# streams use only PCG64's raw bits; every distribution is integer or exact IEEE arithmetic).
# CSV and JSON Lines are formatted by devkit itself. A change here is a new generator version:
# bump GENERATOR_VERSION in devkit.data.synthetic.
PINNED = {
    "documents.csv": "d92ab3d792428b87e0f6ee23d0f9820013b66177749ca6b63431df40a231dd5c",
    "parents.csv": "cc3ffe66196d80d27e455aefe087b1066339995fbe8570ac0e1e4d03d07a17d4",
    "children.jsonl": "0034a67500ea3373956196d4735f744ae56dfb3a9ab6c4834f016bb78cb843eb",
}


def test_values_are_pinned_across_machines() -> None:
    documents = generate(training(2000), 42)["documents"]
    mixed = generate(MIXED, 5)
    got = {
        "documents.csv": encode(documents, "csv"),
        "parents.csv": encode(mixed["parents"], "csv"),
        "children.jsonl": encode(mixed["children"], "jsonl"),
    }
    assert {k: hashlib.sha256(v).hexdigest() for k, v in got.items()} == PINNED


def test_text_rows_may_be_empty_and_have_no_stray_spaces() -> None:
    draws = ColumnDraws(1, "t", "c")
    text = gen_text({"words": [0, 3]}, 5000, draws).to_pylist()
    assert "" in text
    assert all(t == " ".join(t.split()) for t in text)
    assert {len(t.split()) for t in text} == {0, 1, 2, 3}
    assert gen_text({"words": [2, 2]}, 0, draws).to_pylist() == []


def test_a_nullable_column_has_at_least_one_null_and_keeps_its_values() -> None:
    mask = null_mask(1e-9, 50, ColumnDraws(1, "t", "c"))
    assert mask is not None and mask.sum() == 1
    values = pa.array([f"v{i}" for i in range(50)])
    nulled = with_nulls(values, mask)
    assert nulled.null_count == 1
    assert [v for v, m in zip(nulled.to_pylist(), mask, strict=True) if not m] == [
        v for v, m in zip(values.to_pylist(), mask, strict=True) if not m
    ]
    assert null_mask(0.0, 50, ColumnDraws(1, "t", "c")) is None
