"""Bad references and run records: a clear message and exit 2 or 3, never a false pass."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

Workspace = Any  # the conftest's Workspace


def _ref(ws: Workspace) -> Path:
    return Path(ws.root) / "ref" / "demo.json"


def _latest_run(ws: Workspace) -> Path:
    return sorted((Path(ws.root) / ".devkit" / "runs").glob("*.json"))[-1]


def _assert_clear(proc: Any, code: int, *phrases: str) -> None:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")
    assert "\nhint: " in proc.stderr
    for phrase in phrases:
        assert phrase in proc.stderr
    assert proc.stdout == ""  # no report, so nothing can be read as a pass


def test_newer_fingerprint_format_is_refused(workspace: Workspace) -> None:
    data = json.loads(_ref(workspace).read_text())
    data["format_version"] = 99
    _ref(workspace).write_text(json.dumps(data))
    proc = workspace.devkit("check", "--profile", "demo")
    _assert_clear(proc, 2, "format 99", "reads up to 1", "upgrade devkit")


def test_reference_of_another_profile_is_refused(workspace: Workspace) -> None:
    data = json.loads(_ref(workspace).read_text())
    data["profile"] = "training"
    _ref(workspace).write_text(json.dumps(data))
    proc = workspace.devkit("check", "--profile", "demo")
    _assert_clear(proc, 2, "is for profile 'training', not 'demo'")


def test_missing_and_unparsable_reference(workspace: Workspace) -> None:
    proc = workspace.devkit("check", "--profile", "demo", "--reference", "nowhere.json")
    _assert_clear(proc, 2, "reference nowhere.json does not exist")
    _ref(workspace).write_text("{not json")
    proc = workspace.devkit("check", "--profile", "demo")
    _assert_clear(proc, 2, "is not valid JSON")


def test_no_run_recorded(workspace: Workspace) -> None:
    shutil.rmtree(Path(workspace.root) / ".devkit" / "runs")
    proc = workspace.devkit("check", "--profile", "demo")
    _assert_clear(proc, 3, "no run recorded yet", "devkit run")
    # Rules that need no run still work without one.
    proc = workspace.devkit("check", "--profile", "demo", "--rule", "branch")
    assert proc.returncode == 0, proc.stderr


def test_corrupt_run_record(workspace: Workspace) -> None:
    latest = _latest_run(workspace)
    latest.write_text(latest.read_text()[:200])
    proc = workspace.devkit("check", "--profile", "demo")
    _assert_clear(proc, 2, f"run record {latest.name}", "delete")


def test_run_record_missing_field_is_corrupt(workspace: Workspace) -> None:
    latest = _latest_run(workspace)
    data = json.loads(latest.read_text())
    del data["fingerprint"]["distributions"]
    latest.write_text(json.dumps(data))
    proc = workspace.devkit("check", "--profile", "demo")
    _assert_clear(proc, 2, "is corrupt", "distributions")


def test_unknown_rule(workspace: Workspace) -> None:
    proc = workspace.devkit("check", "--profile", "demo", "--rule", "pythn")
    _assert_clear(proc, 2, "unknown rule 'pythn'", "python")


def test_run_without_command(workspace: Workspace) -> None:
    proc = workspace.devkit("run", "--here", "--profile", "demo")
    _assert_clear(proc, 2, "no command to run")


def test_diff_same_and_changed(workspace: Workspace) -> None:
    same = workspace.devkit("parity", "diff", "ref/demo.json", "latest")
    assert same.returncode == 0, same.stdout
    assert "no differences" in same.stdout
    data = json.loads(_ref(workspace).read_text())
    data["distributions"]["demo-pin"] = "0.9.0"
    data["env_names"].append("ONLY_IN_STAGING")
    _ref(workspace).write_text(json.dumps(data))
    proc = workspace.devkit("parity", "diff", "ref/demo.json", str(_latest_run(workspace)))
    assert proc.returncode == 1
    assert "distributions.demo-pin: 0.9.0 → 1.0.0" in proc.stdout
    assert "env_names.ONLY_IN_STAGING: set → —" in proc.stdout


def test_snapshot_to_stdout_is_a_fingerprint(workspace: Workspace) -> None:
    proc = workspace.devkit("parity", "snapshot", "--profile", "demo", "--out", "-")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["format"] == "devkit.fingerprint" and data["profile"] == "demo"
    assert data["distributions"] == {"demo-pin": "1.0.0", "other-lib": "2.3.4"}
    assert "FEATURE_FLAGS" in data["env_names"] and "DEMO_MODE" in data["env_names"]
    assert "beta" not in proc.stdout  # names, never values
    assert data["lockfile"]["pins"] == {"demo-pin": "1.0.0", "other-lib": "2.3.4"}
    assert data["data"]["schema"]["documents"]["columns"][1] == {
        "name": "label",
        "type": "int",
        "nullable": True,
    }
    assert data["git"]["branch"] == "feat/demo" and data["git"]["behind"] == 0


def test_run_exit_statuses_are_the_commands(workspace: Workspace) -> None:
    python = workspace.env["DEVKIT_WORKLOAD_PYTHON"]
    killed = workspace.run(python, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)")
    assert killed.returncode == 128 + 15
    missing = workspace.run("no-such-command-xyz")
    assert missing.returncode == 127
    assert "command not found: no-such-command-xyz" in missing.stderr
    record = json.loads(_latest_run(workspace).read_text())
    assert record["exit_code"] == 127 and record["command"] == ["no-such-command-xyz"]


def test_run_json_emits_log_events_and_a_summary(workspace: Workspace) -> None:
    python = workspace.env["DEVKIT_WORKLOAD_PYTHON"]
    proc = workspace.devkit(
        "run", "--here", "--profile", "demo", "--json", "--", python, "-c", "print('a'); print('b')"
    )
    assert proc.returncode == 0, proc.stderr
    events = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [e["line"] for e in events if e["event"] == "log"] == ["a", "b"]
    assert events[-1]["event"] == "step_done" and events[-1]["data"]["exit_code"] == 0
