"""The feature-branch step: create or switch to the developer's branch without losing work.

This is the one module that imports GitPython (lazily, inside functions) and it turns every
git failure into a DevkitError. Read-only queries that must be fast live in ``gitinfo.py``;
the branch-name rules in ``branch_names.py`` (both re-exported here).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.branch_names import clean_branch_name, example_name, validate_branch_name
from devkit.errors import ConfigError, DevkitError, NotReadyError
from devkit.gitinfo import (
    REMOTE,
    RepoState,
    conflicting_paths,
    git_env,
    git_executable,
    repo_state,
    run_git_many,
    short_ref,
    tracked_files,
)
from devkit.plan import CancelledError, StepContext, StepResult

if TYPE_CHECKING:
    from git import Repo

    from devkit.config.model import BranchPolicy

__all__ = [
    "BranchInfo",
    "FeatureBranchStep",
    "RepoState",
    "branch_info",
    "repo_state",
    "tracked_files",
    "validate_branch_name",
]

FETCH_TIMEOUT = 30.0


def check_name(name: str, policy: BranchPolicy) -> None:
    """Raise ConfigError (exit 2) listing every problem with ``name``."""
    problems = validate_branch_name(name, policy.pattern)
    if problems:
        raise ConfigError(
            "invalid branch name:\n  " + "\n  ".join(problems),
            "choose a name that follows the rules above and run the command again",
        )


@dataclass(frozen=True)
class Refs:
    """What a repository holds that decides where a branch comes from (no network)."""

    current: str | None  # checked-out branch, None when detached or unborn
    has_commits: bool
    local: frozenset[str]  # short names of refs/heads/*
    remote: frozenset[str]  # short names of refs/remotes/origin/*, e.g. "origin/main"
    has_remote: bool

    @classmethod
    def read(cls, root: Path) -> Refs:
        head, listing_text, verified, remotes_text = run_git_many(
            root,
            ["symbolic-ref", "-q", "HEAD"],
            ["for-each-ref", "--format=%(refname)", "refs/heads", f"refs/remotes/{REMOTE}"],
            ["rev-parse", "-q", "--verify", "HEAD"],
            ["remote"],
            ok_codes=(0, 1),
        )
        head = head.strip()
        listing = listing_text.split()
        has_commits = bool(verified.strip())
        remotes = remotes_text.split()
        return cls(
            current=head.removeprefix("refs/heads/") if head.startswith("refs/heads/") else None,
            has_commits=has_commits,
            local=frozenset(short_ref(r) for r in listing if r.startswith("refs/heads/")),
            remote=frozenset(short_ref(r) for r in listing if r.startswith("refs/remotes/")),
            has_remote=REMOTE in remotes,
        )


def plan_source(refs: Refs, name: str, base: str, fetched: bool) -> tuple[str, str | None]:
    """What to do: ("none"|"switch"|"track"|"create", start point or None).

    A new branch starts from origin/BASE only when the fetch of it just succeeded; otherwise
    from the local BASE, and from a stale origin/BASE only when there is no local one.
    """
    if refs.current == name:
        return "none", None
    if name in refs.local:
        return "switch", name
    if f"{REMOTE}/{name}" in refs.remote:
        return "track", f"{REMOTE}/{name}"
    remote_base = f"{REMOTE}/{base}"
    if fetched and remote_base in refs.remote:
        return "create", remote_base
    if base in refs.local:
        return "create", base
    if remote_base in refs.remote:
        return "create", remote_base
    return "create", None


class FeatureBranchStep:
    """Create the feature branch from the profile's base branch, or switch to it."""

    id = "branch"
    title = "Feature branch"

    def __init__(
        self,
        root: Path,
        name: str,
        policy: BranchPolicy,
        fetch: bool = True,
        fetch_timeout: float = FETCH_TIMEOUT,
    ) -> None:
        check_name(name, policy)
        self.root = root
        self.name = name
        self.policy = policy
        self.fetch = fetch
        self.fetch_timeout = fetch_timeout

    def describe(self) -> list[str]:
        refs = Refs.read(self.root)
        fetched = self.fetch and refs.has_remote
        action, start = plan_source(refs, self.name, self.policy.base, fetched)
        if action == "none":
            return []
        if action == "switch":
            return [f"switch to existing {self.name}"]
        if action == "track":
            return [f"create {self.name} tracking {start}"]
        if start is None:
            return [f"create {self.name} from {self.policy.base} (not found: this will fail)"]
        note = f" (after 'git fetch {REMOTE} {self.policy.base}')" if fetched else ""
        return [f"create {self.name} from {start}{note}"]

    def is_done(self) -> bool:
        return Refs.read(self.root).current == self.name

    def run(self, ctx: StepContext) -> StepResult:
        check_name(self.name, self.policy)
        repo = open_repo(self.root)
        refs = Refs.read(self.root)
        if not refs.has_commits:
            raise ConfigError(
                f"{self.root} has no commits yet, so there is no {self.policy.base} to branch from",
                "make a first commit (e.g. git commit --allow-empty -m 'initial commit') "
                "and run again",
            )
        if refs.current == self.name:
            return StepResult(f"already on {self.name}", {"branch": self.name, "action": "none"})
        fetched = False
        creating = plan_source(refs, self.name, self.policy.base, fetched=False)[0] == "create"
        if self.fetch and refs.has_remote and creating:  # a switch needs no network
            fetched = self._fetch_base(repo, ctx)
            refs = Refs.read(self.root)
        ctx.check_cancelled()
        action, start = plan_source(refs, self.name, self.policy.base, fetched)
        if start is None:
            raise self._missing_base(refs)
        self._refuse_if_checked_out_elsewhere(repo)
        conflicts = conflicting_paths(self.root, start)
        if conflicts:
            raise _conflict_error(self.name, start, conflicts)
        ctx.check_cancelled()
        if action == "switch":
            _git(repo, "checkout", "-q", self.name)
            ctx.log(f"switched to {self.name}; local changes carried across")
            return StepResult(f"switched to {self.name}", {"branch": self.name, "action": "switch"})
        track = "--track" if action == "track" else "--no-track"
        _git(repo, "branch", track, self.name, start)
        try:
            _git(repo, "checkout", "-q", self.name)
        except DevkitError:
            self._undo_create(repo, ctx)
            raise
        ctx.log(f"created {self.name} from {start}")
        return StepResult(
            f"created {self.name} from {start}",
            {"branch": self.name, "action": "create", "from": start},
        )

    def _fetch_base(self, repo: Repo, ctx: StepContext) -> bool:
        base = self.policy.base
        refspec = f"+refs/heads/{base}:refs/remotes/{REMOTE}/{base}"
        ctx.log(f"fetching {base} from {REMOTE} (timeout {self.fetch_timeout:g}s)")
        status, err = fetch(self.root, [REMOTE, refspec], self.fetch_timeout, ctx.cancel)
        if status == 0:
            return True
        reason = _first_line(err) or f"git fetch exited {status}"
        ctx.log(f"could not fetch {base} from {REMOTE}: {reason}; going on without it", "err")
        return False

    def _missing_base(self, refs: Refs) -> ConfigError:
        known = sorted(refs.local | refs.remote)
        listing = ", ".join(known) if known else "none"
        return ConfigError(
            f"base branch '{self.policy.base}' not found (neither {self.policy.base} "
            f"nor {REMOTE}/{self.policy.base}); branches here: {listing}",
            "set branch.base in the profile to one of these, or create the base branch",
        )

    def _refuse_if_checked_out_elsewhere(self, repo: Repo) -> None:
        listing = _git(repo, "worktree", "list", "--porcelain")
        path = None
        for line in listing.splitlines():
            if line.startswith("worktree "):
                path = line.removeprefix("worktree ")
            elif (
                line == f"branch refs/heads/{self.name}"
                and path is not None
                and Path(path).resolve() != self.root.resolve()
            ):
                raise ConfigError(
                    f"branch {self.name} is already checked out in the worktree {path}",
                    "work there, or choose another branch name for this worktree",
                )

    def _undo_create(self, repo: Repo, ctx: StepContext) -> None:
        current = Refs.read(self.root).current
        if current == self.name:
            return
        status, _out, err = _git_status(repo, "branch", "-D", self.name)
        if status == 0:
            ctx.log(f"removed {self.name} again: devkit created it but could not check it out")
        else:
            ctx.log(f"could not remove {self.name} after a failed checkout: {err}", "err")


def _conflict_error(name: str, start: str, conflicts: list[tuple[str, str]]) -> ConfigError:
    shown = [f"{path} ({why})" for path, why in conflicts[:20]]
    more = f"\n  … and {len(conflicts) - 20} more" if len(conflicts) > 20 else ""
    return ConfigError(
        f"switching to {name} ({start}) would overwrite local work; nothing was changed:\n  "
        + "\n  ".join(shown)
        + more,
        "commit or stash them (git stash push --include-untracked), or move them away, "
        "then run again",
    )


class BranchInfo(dict[str, Any]):
    """The facts of ``branch_info`` as a plain dict, plus ``exists`` and a one-line ``str``."""

    @property
    def exists(self) -> bool:
        return bool(self["exists_locally"] or self["exists_remotely"])

    def __str__(self) -> str:
        action, start = self["action"], self["start"]
        if action == "none":
            return "already checked out"
        if action == "switch":
            return "local branch"
        if action == "track":
            return f"on {REMOTE} — devkit creates it tracking {start}"
        if start is None:
            return f"base branch {self['base']} not found"
        return f"from {start}"


def branch_info(root: Path, name: str, policy: BranchPolicy) -> BranchInfo:
    """What the TUI shows next to the branch field: validity, existence, where it would come
    from (assuming the fetch of the base succeeds). Fast and offline: no fetch, no GitPython."""
    name = clean_branch_name(name)
    problems = validate_branch_name(name, policy.pattern)
    refs = Refs.read(root)
    action, start = plan_source(refs, name, policy.base, fetched=refs.has_remote)
    return BranchInfo(
        name=name,
        valid=not problems,
        problems=problems,
        suggestion=example_name(name, policy.pattern) if problems else None,
        current=refs.current,
        exists_locally=name in refs.local,
        exists_remotely=f"{REMOTE}/{name}" in refs.remote,
        has_remote=refs.has_remote,
        base=policy.base,
        action=action,
        start=start,
    )


def fetch(root: Path, args: list[str], timeout: float, cancel: threading.Event) -> tuple[int, str]:
    """``git fetch`` that gives up after ``timeout`` seconds or as soon as ``cancel`` is set.

    It runs in a session of its own so the whole group (ssh, remote helpers) is killed; a
    cancel raises CancelledError, a timeout returns (-1, reason). The fetch touches only
    remote-tracking refs, so stopping it halfway leaves nothing a developer owns.
    """
    proc = subprocess.Popen(
        [git_executable(), "-C", str(root), "fetch", "--quiet", "--no-tags", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=git_env(),
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                _out, err = proc.communicate(timeout=0.1)
                return proc.returncode, err.decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                pass
            if cancel.is_set():
                raise CancelledError("cancelled while fetching", "run the command again")
            if time.monotonic() >= deadline:
                return -1, f"no answer within {timeout:g}s"
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


# --- GitPython adapter -------------------------------------------------------------------


def open_repo(root: Path) -> Repo:
    try:
        import git
    except ImportError as exc:  # pragma: no cover - a dependency of devkit
        raise NotReadyError("GitPython is not installed", "reinstall devkit") from exc
    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise ConfigError(
            f"{root} is not a git repository", "run devkit inside your repository"
        ) from exc
    except git.GitCommandNotFound as exc:
        raise NotReadyError("git is not installed", "install git") from exc
    repo.git.update_environment(GIT_TERMINAL_PROMPT="0")
    return repo


def _git_status(repo: Repo, *args: str, timeout: float | None = None) -> tuple[int, str, str]:
    import git

    try:
        status, out, err = repo.git.execute(
            ["git", *args],
            with_extended_output=True,
            with_exceptions=False,
            kill_after_timeout=timeout,
        )
    except git.GitCommandNotFound as exc:
        raise NotReadyError("git is not installed", "install git") from exc
    return int(status or 0), str(out), str(err)


def _git(repo: Repo, *args: str) -> str:
    status, out, err = _git_status(repo, *args)
    if status != 0:
        files = [line.strip() for line in err.splitlines() if line.startswith("\t")]
        detail = ("; files: " + ", ".join(files)) if files else ""
        raise ConfigError(
            f"'git {' '.join(args)}' failed: {_first_line(err) or 'exit ' + str(status)}{detail}",
            "fix what git names above (commit or stash local changes) and run again",
        )
    return out


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("error: ").removeprefix("fatal: ")
    return ""
