"""A repository's refs read through GitPython, and the few changes devkit makes to them.

Reading HEAD and the branch lists goes through GitPython's own ref parser (no git process, so
nothing a repository configures can run); changing refs goes through ``command`` like every
other git process devkit starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.core.errors import ConfigError
from devkit.core.plan import CancelledError
from devkit.core.records import dataclass
from devkit.git.command import (
    REMOTE,
    _gitdir_named,
    failure,
    first_line,
    git_class,
    small_file_text,
    start,
    unreachable_gitdir,
)

if TYPE_CHECKING:
    from git import Repo


UPLOAD_PACK = "git-upload-pack"


@contextlib.contextmanager
def open_repo(root: Path) -> Iterator[Repo]:
    """GitPython's Repo for ``root`` (closed on leaving), or the DevkitError saying why not."""
    git_class()  # GitPython loads, or NotReadyError when there is no git
    import git

    if unreachable_gitdir(root) is not None:
        raise failure(root, ["rev-parse"], "")
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ConfigError(
            f"{root} is not a git repository",
            "run devkit inside your repository, or 'git init' it first",
        ) from None
    try:
        yield repo
    except (ValueError, OSError, git.GitError) as exc:  # a ref GitPython cannot parse
        raise ConfigError(
            f"git data in {root} could not be read: {exc}",
            "run 'git status' there to see what git says about it",
        ) from None
    finally:
        repo.close()


@dataclass(frozen=True)
class Head:
    """What is checked out: a branch (None when detached) and a commit (None when unborn)."""

    branch: str | None
    commit: str | None

    @property
    def detached(self) -> bool:
        return self.branch is None


def _head(repo: Repo) -> Head:
    head = repo.head
    commit = head.commit.hexsha if head.is_valid() else None
    return Head(None if head.is_detached else head.reference.name, commit)


def head(root: Path) -> Head:
    """The checked-out branch and commit of ``root`` (a worktree reads its own HEAD)."""
    with open_repo(root) as repo:
        return _head(repo)


def head_file_branch(root: Path) -> str | None:
    """The branch the HEAD file of ``root`` names (``ref: refs/heads/NAME``), read directly:
    no GitPython import and no git process, for the common question "still on NAME?". None
    when HEAD is detached, or unreadable this way, or git is not installed (then ask ``head``
    or ``Refs.read``, which also explain what is wrong)."""
    gitdir = root / ".git"
    if not gitdir.is_dir():
        gitdir = _gitdir_named(root) or gitdir  # a linked worktree or a submodule
    text = small_file_text(gitdir / "HEAD") or ""  # bounded, never through a symlink
    ref = text.strip().removeprefix("ref:").strip() if text.startswith("ref:") else ""
    name = ref.removeprefix("refs/heads/")
    if not ref.startswith("refs/heads/") or not name or not _git_installed():
        return None
    return name


def _git_installed() -> bool:
    """Whether GitPython would find git (it refuses to load without one)."""
    import shutil

    return shutil.which(os.environ.get("GIT_PYTHON_GIT_EXECUTABLE") or "git") is not None


def current_branch(root: Path) -> str | None:
    """The checked-out branch (also on an unborn one), or None on a detached HEAD."""
    return head(root).branch


@dataclass(frozen=True)
class Refs:
    """What a repository holds that decides where a branch comes from (no network)."""

    current: str | None  # checked-out branch (also when unborn), None when detached
    has_commits: bool
    local: frozenset[str]  # short names of refs/heads/*
    remote: frozenset[str]  # short names of refs/remotes/origin/*, e.g. "origin/main"
    has_remote: bool

    @classmethod
    def read(cls, root: Path) -> Refs:
        from git.refs import RemoteReference

        with open_repo(root) as repo:
            found = _head(repo)
            remote_refs = RemoteReference.iter_items(repo, common_path=f"refs/remotes/{REMOTE}")
            return cls(
                current=found.branch,
                has_commits=found.commit is not None,
                local=frozenset(h.name for h in repo.heads),
                remote=frozenset(r.name for r in remote_refs),
                has_remote=any(r.name == REMOTE for r in repo.remotes),
            )


def _change(root: Path, *args: str) -> str:
    result = start(root, args).finish()
    if result.code != 0:
        files = [line.strip() for line in result.err.splitlines() if line.startswith("\t")]
        detail = ("; files: " + ", ".join(files)) if files else ""
        raise ConfigError(
            f"'git {' '.join(args)}' failed: {first_line(result.err) or f'exit {result.code}'}"
            f"{detail}",
            "fix what git names above (commit or stash local changes) and run again",
        )
    return result.text


def switch_branch(root: Path, name: str) -> None:
    """Check out the existing branch ``name``; local changes are carried across."""
    _change(root, "checkout", "-q", name)


def create_branch(root: Path, name: str, start_point: str, track: bool) -> None:
    """Create ``name`` at ``start_point`` (tracking it when ``track``), without checking it out."""
    _change(root, "branch", "--track" if track else "--no-track", name, start_point)


def delete_branch(root: Path, name: str) -> str | None:
    """Delete the branch ``name``; None when done, else git's reason."""
    result = start(root, ["branch", "-D", name]).finish()
    return None if result.code == 0 else result.err


def worktree_with_branch(root: Path, name: str) -> str | None:
    """Another worktree of this repository that has ``name`` checked out, or None."""
    listing = _change(root, "worktree", "list", "--porcelain")
    path = None
    for line in listing.splitlines():
        if line.startswith("worktree "):
            path = line.removeprefix("worktree ")
        elif (
            line == f"branch refs/heads/{name}"
            and path is not None
            and Path(path).resolve() != root.resolve()
        ):
            return path
    return None


def fetch(root: Path, args: list[str], timeout: float, cancel: threading.Event) -> tuple[int, str]:
    """``git fetch`` that gives up after ``timeout`` seconds or as soon as ``cancel`` is set.

    It runs in a session of its own so the whole group (ssh, remote helpers) is killed; a
    cancel raises CancelledError, a timeout returns (-1, reason). The fetch touches only
    remote-tracking refs, so stopping it halfway leaves nothing a developer owns.
    """
    proc = start(
        root,
        # a remote's configured uploadpack is a program the repository names: never run it
        ["fetch", "--quiet", "--no-tags", f"--upload-pack={UPLOAD_PACK}", *args],
        new_session=True,
        quiet=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                result = proc.finish(timeout=0.1)
                return result.code, result.err
            except subprocess.TimeoutExpired:
                pass
            if cancel.is_set():
                raise CancelledError("cancelled while fetching", "run the command again")
            if time.monotonic() >= deadline:
                return -1, f"no answer within {timeout:g}s"
    finally:
        if proc.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.popen.pid, signal.SIGKILL)
            proc.popen.communicate()
