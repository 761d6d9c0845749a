from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from devkit.config.profiles import ProfileSet
from devkit.core.errors import ConfigError, ProblemsError
from devkit.data.schema import dataset_schema, declared_schema
from devkit.data.synthetic import is_current, write_synthetic
from devkit.data.synthetic.generate import generate
from support.synthetic_tables import MIXED, digests

PROFILES = ["training", "ingestion", "inference", "api"]


def profile_tables(name: str) -> tuple[dict[str, Any], int]:
    data = ProfileSet(None).get(name).data
    assert data is not None
    return data.tables, data.synthetic_seed


@pytest.mark.parametrize("name", PROFILES)
def test_synthetic_schema_equals_declared_schema(name: str, tmp_path: Path) -> None:
    tables, seed = profile_tables(name)
    write_synthetic(tables, seed, tmp_path)
    assert dataset_schema(tmp_path) == declared_schema(tables)


def test_mixed_types_schema_in_csv_and_jsonl(tmp_path: Path) -> None:
    write_synthetic(MIXED, 5, tmp_path)
    assert dataset_schema(tmp_path) == declared_schema(MIXED)


def test_same_seed_same_bytes_in_another_process(tmp_path: Path) -> None:
    tables, seed = profile_tables("ingestion")
    write_synthetic(tables, seed, tmp_path / "a")
    code = (
        "import sys; from pathlib import Path; from devkit.config.profiles import ProfileSet;"
        "from devkit.data.synthetic import write_synthetic;"
        "d = ProfileSet(None).get('ingestion').data;"
        "write_synthetic(d.tables, d.synthetic_seed, Path(sys.argv[1]))"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "b")], check=True)
    assert digests(tmp_path / "a") == digests(tmp_path / "b")
    write_synthetic(tables, seed + 1, tmp_path / "c")
    assert digests(tmp_path / "a")["pages.jsonl"] != digests(tmp_path / "c")["pages.jsonl"]


def test_rerun_is_a_no_op_and_a_changed_file_is_noticed(tmp_path: Path) -> None:
    tables, seed = profile_tables("training")
    write_synthetic(tables, seed, tmp_path)
    assert is_current(tmp_path, tables, seed)
    assert not is_current(tmp_path, tables, seed + 1)
    (tmp_path / "labels.parquet").write_bytes(b"not parquet")
    assert not is_current(tmp_path, tables, seed)


def test_values_respect_the_declaration() -> None:
    out = generate(MIXED, 9)
    parents, children = out["parents"], out["children"]
    assert len(set(parents["pid"].to_pylist())) == 300
    assert len(set(parents["big"].to_pylist())) == 300
    assert set(children["pid"].to_pylist()) <= set(parents["pid"].to_pylist())
    emails = parents["email"].to_pylist()
    domains = ("@example.com", "@example.org", "@example.net", "@mail.test")
    assert all(e.endswith(domains) for e in emails)
    phones = [p for p in parents["phone"].to_pylist() if p is not None]
    assert all(p[6:13] == "-555-01" and len(p) == 15 for p in phones)
    assert 0.2 < parents["phone"].null_count / 300 < 0.4
    hosts = {u.split("/")[2].split(".", 1)[1] for u in children["url"].to_pylist()}
    assert hosts <= {"example.com", "example.org", "example.net", "site.test"}
    counts = pc.list_value_length(pc.split_pattern(children["words"], " ")).to_pylist()
    assert min(counts) == 2 and max(counts) == 5
    at = children["at"].cast(pa.int64()).to_pylist()
    assert min(at) >= 1748736000 * 10**6 and max(at) < 1751328000 * 10**6
    share = children["status"].to_pylist().count(200) / 5000
    assert 0.87 < share < 0.93
    temp = children["temp"].to_pylist()
    assert 0.65 < sum(temp) / len(temp) < 0.75 and min(temp) >= 0
    ids = children["id"].to_pylist()
    assert len(set(ids)) == 5000 and all(i[14] == "4" and i[19] in "89ab" for i in ids)
    assert generate(MIXED, 9)["children"].equals(children)


def test_foreign_key_to_unknown_table_is_a_config_error() -> None:
    bad = {"t": {"rows": 1, "columns": {"x": {"type": "foreign_key", "references": "u.id"}}}}
    with pytest.raises(ConfigError):
        generate(bad, 0)


def test_unknown_column_type_is_reported_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / ".devkit" / "profiles"
    folder.mkdir(parents=True)
    (folder / "odd.yaml").write_text(
        "name: odd\nextends: training\ndata:\n  dest: d\n  synthetic:\n    tables:\n"
        "      t:\n        rows: 1\n        columns:\n          x: {type: ipv6}\n"
    )
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("odd")
    assert "odd.yaml:10" in str(caught.value)
