"""Real git repositories for the git-side tests, on top of the shared isolated ``git_env``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from support.gitrepo import make_repo

Git = Callable[..., str]


@pytest.fixture
def isolated_git(git_env: dict[str, str]) -> Path:
    """The isolated HOME (git config lives there); the shared ``git_env`` fixture sets it up."""
    return Path(git_env["HOME"])


def run(cwd: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=os.environ,
        stdin=subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


@pytest.fixture
def git(isolated_git: Path) -> Git:
    """``git(cwd, *args)`` runs real git with the isolated config and returns stdout."""
    return run


@pytest.fixture
def repo(tmp_path: Path, git_env: dict[str, str]) -> Path:
    """A repository on main with two commits: README.md, then src/app.py."""
    root = make_repo(tmp_path / "repo", files={"README.md": "hello\n"}, env=git_env).path
    commit_file(root, "src/app.py", "print('hi')\n", "second")
    return root


def commit_file(root: Path, rel: str, text: str, message: str) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    run(root, "add", rel)
    run(root, "commit", "-q", "-m", message)
    return run(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def commit() -> Callable[[Path, str, str, str], str]:
    return commit_file
