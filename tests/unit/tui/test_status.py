from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from devkit.tui.screens.dashboard import action_argv, render_panels, shell_command
from devkit.tui.status import (
    ContainerStatus,
    DataStatusView,
    WorkspaceStatus,
    age_text,
    current_branch,
    folder_usage,
    newest_json,
)


def _git(*args: str, cwd: Path) -> None:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd.parent)}
    env |= {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t"}
    env |= {"GIT_COMMITTER_EMAIL": "t@e"}
    subprocess.run(["git", *args], cwd=cwd, check=True, env=env, capture_output=True)


def test_current_branch_in_repo_and_worktree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", "-b", "main", cwd=repo)
    assert current_branch(repo) == "main"
    _git("commit", "-q", "--allow-empty", "-m", "x", cwd=repo)
    _git("worktree", "add", "-q", "-b", "feat/wt", str(tmp_path / "wt"), cwd=repo)
    assert current_branch(tmp_path / "wt") == "feat/wt"
    _git("checkout", "-q", "--detach", cwd=repo)
    assert current_branch(repo).startswith("(detached at ")
    assert current_branch(tmp_path) == "(not a git repository)"


def test_newest_json_and_folder_usage(tmp_path: Path) -> None:
    assert newest_json(tmp_path / "missing") is None
    (tmp_path / "a.json").write_text(json.dumps({"n": 1}))
    os.utime(tmp_path / "a.json", (1000, 1000))
    (tmp_path / "b.json").write_text(json.dumps({"n": 2}))
    os.utime(tmp_path / "b.json", (2000, 2000))
    (tmp_path / "c.json").write_text("not json")
    os.utime(tmp_path / "c.json", (3000, 3000))
    assert newest_json(tmp_path) == {"n": 2, "_mtime": 2000}
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "f.bin").write_bytes(b"12345")
    (tmp_path / "d" / ".devkit-manifest.json").write_text("{}")  # devkit's own, not data
    os.utime(tmp_path / "d" / "e" / "f.bin", (5000, 5000))
    assert folder_usage(tmp_path / "d") == (1, 5, 5000)


def test_age_text() -> None:
    assert age_text(None, 100) == "never"
    assert age_text(95, 100) == "5s ago"
    assert age_text(100 - 3 * 3600, 100) == "3h ago"
    assert age_text(100 - 2 * 86400, 100) == "2d ago"


def test_render_panels() -> None:
    status = WorkspaceStatus(
        root="/r", branch="feat/x", base="main", profile="training",
        container=ContainerStatus("running", "devkit-training", "abc", "devkit/training:dev", 0.0),
        data=DataStatusView("data/training", 3, 3 * 1024**2, 50.0, "synthetic"),
        last_run={"command": ["pytest", "-q"], "exit_code": 0, "_mtime": 40.0},
        last_parity={"ok": False, "summary": {"pass": 6, "fail": 1, "warn": 0}, "_mtime": 90.0},
    )  # fmt: skip
    text = {k: v.plain for k, v in render_panels(status, now=100.0).items()}
    assert "feat/x" in text["branch"] and "base main" in text["branch"]
    assert "running" in text["container"] and "devkit-training" in text["container"]
    assert "built 1m ago" in text["image"]
    assert "3 files · 3.0 MiB" in text["data"] and "updated 50s ago" in text["data"]
    assert "pytest -q" in text["run"] and "exit 0" in text["run"]
    assert "violations" in text["parity"] and "6 pass · 1 fail · 0 warn" in text["parity"]
    assert "checked 10s ago" in text["parity"]


def test_shell_command_prefers_bash() -> None:
    argv = shell_command("abc123")
    assert argv[:4] == ["docker", "exec", "-it", "abc123"]
    assert "exec bash -l" in argv[-1]


def test_action_argv_uses_what_init_recorded() -> None:
    status = WorkspaceStatus(
        root="/r", branch="feat/x", base="main", profile="api",
        container=ContainerStatus("none"), data=None, last_run=None, last_parity=None,
        render={"network": "host", "base_image": "devkit-base:bookworm", "data": "synthetic"},
    )  # fmt: skip
    root = Path("/r")
    assert action_argv("rebuild", root, status) == [
        "init", "--rebuild", "--no-input", "--yes", "--profile", "api", "--branch", "feat/x",
        "--network", "host", "--base-image", "devkit-base:bookworm", "--data", "synthetic",
        "--workspace", "/r",
    ]  # fmt: skip
    # check records its own result: the dashboard runs the plain command a user would type
    assert action_argv("check", root, status) == ["check", "--workspace", "/r"]
    assert action_argv("down", root, None) == ["down", "--workspace", "/r"]
