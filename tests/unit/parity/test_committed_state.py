"""check refuses run records and cached references that the repository itself commits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def check(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devkit", "check", "--profile", "api"],
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=60,
        check=False,
    )


def test_a_committed_run_record_is_refused(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    forged = repo / ".devkit" / "runs" / "api-20260101T000000Z.json"
    forged.parent.mkdir(parents=True)
    forged.write_text('{"profile": "api", "exit_code": 0}\n')
    git(repo, "add", "-f", ".devkit/runs")
    git(repo, "commit", "-qm", "forged")
    result = check(repo)
    assert result.returncode == 4, result.stdout + result.stderr
    assert "the repository commits devkit's local results (.devkit/runs/" in result.stderr
    assert "hint: remove them from git" in result.stderr


def test_untracked_results_are_this_machines_own(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    (repo / ".devkit" / "runs").mkdir(parents=True)
    result = check(repo)
    assert result.returncode != 4, result.stderr
    assert "commits devkit's local results" not in result.stderr
