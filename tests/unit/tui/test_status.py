from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.status import gather
from devkit.core.events import Log, StepDone, StepFailed, StepStarted
from devkit.tui.screens.dashboard import event_line, render_panels, shell_command
from devkit.tui.status import WorkspaceStatus, age_text, docker_time


def test_age_text() -> None:
    assert age_text(None, 100) == "never"
    assert age_text(95, 100) == "5s ago"
    assert age_text(100 - 3 * 3600, 100) == "3h ago"
    assert age_text(100 - 2 * 86400, 100) == "2d ago"


def test_docker_time_reads_the_reports_utc_seconds() -> None:
    assert docker_time("1970-01-01T00:01:00") == 60.0
    assert docker_time("2023-11-14T22:13:20.123456789Z") == 1_700_000_000.0
    assert docker_time("") is None


def _report(**over: object) -> dict[str, object]:
    report: dict[str, object] = {
        "workspace": "/r", "profile": "training", "target": "container",
        "branch": {"name": "feat/x", "commit": "abc", "base": "main", "behind": 0, "ahead": 1,
                   "dirty": False},
        "devcontainer": {"present": True, "in_sync": True},
        "image": {"hash": "0123", "present": True, "tags": ["devkit/training:dev"],
                  "created": "1970-01-01T00:00:40"},
        "container": {"name": "devkit-training", "state": "running", "id": "abc123"},
        "data": {"folder": "data/training", "present": True, "bytes": 3 * 1024**2, "files": 3,
                 "updated": 50.0},
        "parity": {"ok": False, "summary": {"pass": 6, "fail": 1, "warn": 0}, "checked": 90.0},
    }  # fmt: skip
    return report | over


def test_render_panels_from_the_status_report() -> None:
    run = {"command": ["pytest", "-q"], "exit_code": 0, "started_epoch": 40.0}
    status = WorkspaceStatus(_report(), last_run=run)
    text = {k: v.plain for k, v in render_panels(status, now=100.0).items()}
    assert "feat/x" in text["branch"] and "base main" in text["branch"]
    assert "profile training" in text["branch"]
    assert "running" in text["container"] and "devkit-training" in text["container"]
    assert "devkit/training:dev" in text["image"] and "built 1m ago" in text["image"]
    assert "3 files · 3.0 MiB" in text["data"] and "updated 50s ago" in text["data"]
    assert "pytest -q" in text["run"] and "exit 0" in text["run"]
    assert "violations" in text["parity"] and "6 pass · 1 fail · 0 warn" in text["parity"]
    assert "checked 10s ago" in text["parity"]
    assert status.container_id == "abc123" and status.container_state == "running"


def test_render_panels_when_parts_are_missing() -> None:
    status = WorkspaceStatus(
        _report(
            profile=None,
            branch={"error": "not a git repository"},
            image={},
            container={"error": "Docker Engine not reachable"},
            data={"folder": None},
            parity=None,
        )
    )
    text = {k: v.plain for k, v in render_panels(status, now=100.0).items()}
    assert "(unknown)" in text["branch"] and "run devkit init" in text["branch"]
    assert "unknown" in text["container"] and "not reachable" in text["container"]
    assert "no dataset configured" in text["data"]
    assert "none yet" in text["run"] and "not checked" in text["parity"]


def test_the_dashboard_counts_the_data_from_the_status_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One count: the dashboard's data tile shows what ``devkit status`` reports."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent-devkit-test.sock")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    data = tmp_path / "data" / "training"
    data.mkdir(parents=True)
    (data / "a.parquet").write_bytes(b"x" * 2048)
    (data / ".devkit-manifest.json").write_text("{}")  # devkit's own, not data
    report = gather(tmp_path, ProfileSet(None).get("training"))
    assert report["data"]["files"] == 1
    text = render_panels(WorkspaceStatus(report), now=0.0)["data"].plain
    assert "1 files · 2.0 KiB" in text


def test_shell_command_prefers_bash() -> None:
    argv = shell_command("abc123")
    assert argv[:4] == ["docker", "exec", "-it", "abc123"]
    assert "exec bash -l" in argv[-1]


def test_event_lines_show_steps_and_logs() -> None:
    started = event_line(StepStarted("data", "Dataset"))
    assert started is not None and started.plain == "▶ Dataset"
    log = event_line(Log("data", "wrote 3 files"))
    assert log is not None and log.plain == "data │ wrote 3 files"
    done = event_line(StepDone("data", "3 files"))
    assert done is not None and done.plain == "✓ data: 3 files"
    failed = event_line(StepFailed("check", "parity violations", "fix it", None, 1))
    assert failed is not None and failed.plain == "✗ check: parity violations — hint: fix it"
