"""`devkit sync-data --synthetic` and `devkit data schema` through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from devkit.cli import main
from devkit.data.manifest import manifest_digest
from support.contract import check_json_output


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def events(out: str) -> list[dict[str, Any]]:
    check_json_output(["sync-data", "--json"], out)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_synthetic_sync_then_noop_then_schema(workspace: Path, capsys: Any) -> None:
    assert main(["sync-data", "--profile", "api", "--synthetic", "--json"]) == 0
    first = events(capsys.readouterr().out)
    done = next(e for e in first if e["event"] == "step_done")
    assert not done["skipped"] and done["data"]["mode"] == "synthetic"
    dest = workspace / "data" / "api"
    assert done["data"]["digest"] == manifest_digest(dest)
    assert main(["sync-data", "--profile", "api", "--synthetic", "--json"]) == 0
    again = next(e for e in events(capsys.readouterr().out) if e["event"] == "step_done")
    assert again["skipped"]

    assert main(["data", "schema", "--profile", "api", "--json"]) == 0
    out = capsys.readouterr().out
    check_json_output(["data", "schema", "--json"], out)
    actual = json.loads(out)
    assert main(["data", "schema", "--profile", "api", "--declared", "--json"]) == 0
    out = capsys.readouterr().out
    check_json_output(["data", "schema", "--json"], out)
    declared = json.loads(out)
    assert actual == declared
    assert main(["data", "schema", str(dest / "customers.parquet")]) == 0
    text = capsys.readouterr().out
    assert "customers" in text and "phone" in text and "nullable" in text


def test_other_seed_changes_data_and_dry_run_changes_nothing(workspace: Path, capsys: Any) -> None:
    assert main(["sync-data", "--profile", "api", "--synthetic", "--seed", "1"]) == 0
    dest = workspace / "data" / "api"
    one = manifest_digest(dest)
    assert main(["sync-data", "--profile", "api", "--synthetic", "--seed", "2", "--dry-run"]) == 0
    assert "seed 2" in capsys.readouterr().out
    assert manifest_digest(dest) == one
    assert main(["sync-data", "--profile", "api", "--synthetic", "--seed", "2"]) == 0
    assert manifest_digest(dest) != one


def test_schema_of_a_missing_folder_is_a_clear_error(workspace: Path, capsys: Any) -> None:
    assert main(["data", "schema", str(workspace / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
