"""Real git repositories with an isolated git config, for the git-side tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Git = Callable[..., str]


@pytest.fixture
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME, global config and system config point away from the developer's own."""
    home = tmp_path / "home"
    home.mkdir()
    config = home / ".gitconfig"
    config.write_text(
        "[user]\n\tname = Dev Kit\n\temail = dev@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        '[protocol "file"]\n\tallow = always\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    yield home


def run(cwd: Path, *args: str, check: bool = True) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, env=os.environ
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout


@pytest.fixture
def git(isolated_git: Path) -> Git:
    """``git(cwd, *args)`` runs real git with the isolated config and returns stdout."""
    return run


@pytest.fixture
def repo(tmp_path: Path, git: Git) -> Path:
    """A repository on main with two commits and a couple of files."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit_file(root, "README.md", "hello\n", "first")
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
