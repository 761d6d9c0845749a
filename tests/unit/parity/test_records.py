from __future__ import annotations

import json
from pathlib import Path

import pytest

from devkit.core.errors import ConfigError, NotReadyError
from devkit.parity.records import latest_record, new_record, prune, read_record, write_record

FP = {
    "format": "devkit.fingerprint",
    "format_version": 1,
    "profile": "demo",
    "python": {"version": "3.11.7"},
    "distributions": {},
    "env_names": [],
}


def _write(runs: Path, started: float, code: int = 0, profile: str = "demo") -> Path:
    record = new_record(profile, ["x"], "host", code, started, 1.0, dict(FP), 0.1)
    return write_record(runs, record)


def test_latest_is_the_newest_of_the_profile(tmp_path: Path) -> None:
    _write(tmp_path, 1_700_000_000.0, code=1)
    newest = _write(tmp_path, 1_700_000_100.5, code=0)
    _write(tmp_path, 1_700_000_050.0, profile="other")
    assert latest_record(tmp_path, "demo").path == newest
    assert latest_record(tmp_path).path == newest
    assert latest_record(tmp_path, "other").exit_code == 0


def test_no_run_and_corrupt_run_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(NotReadyError, match="no run recorded yet"):
        latest_record(tmp_path / "runs")
    path = _write(tmp_path, 1_700_000_000.0)
    data = json.loads(path.read_text())
    data["exit_code"] = "0"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="corrupt: 'exit_code'"):
        read_record(path)
    path.write_text('{"format": "devkit.run", "format_version": 7}')
    with pytest.raises(ConfigError, match="format 7"):
        read_record(path)


def test_prune_keeps_the_newest(tmp_path: Path) -> None:
    paths = [_write(tmp_path, 1_700_000_000.0 + i) for i in range(5)]
    (tmp_path / "notes.txt").write_text("not a record")
    assert prune(tmp_path, 2) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [paths[3].name, paths[4].name, "notes.txt"]
    )


def test_secret_values_in_arguments_are_not_recorded() -> None:
    from devkit.parity.runner import redact_command

    env = {"API_TOKEN": "tok-123456", "SHORT": "ab"}
    recorded = redact_command(["curl", "-H", "auth: tok-123456", "ab"], ["API_TOKEN", "SHORT"], env)
    assert recorded == ["curl", "-H", "auth: <API_TOKEN>", "ab"]
