"""The feature-branch step: create or switch to the developer's branch without losing work.

Every git call goes through the adapter (``repo``, ``state``, ``command``); the branch-name
rules live in ``names.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.core.errors import ConfigError, DevkitError
from devkit.core.plan import StepContext, StepResult
from devkit.git.command import REMOTE, first_line
from devkit.git.names import clean_branch_name, example_name, validate_branch_name
from devkit.git.repo import (
    Refs,
    create_branch,
    delete_branch,
    fetch,
    head_file_branch,
    switch_branch,
    worktree_with_branch,
)
from devkit.git.state import conflicting_paths

if TYPE_CHECKING:
    from devkit.config.model import BranchPolicy

FETCH_TIMEOUT = 30.0


def check_name(name: str, policy: BranchPolicy) -> None:
    """Raise ConfigError (exit 2) listing every problem with ``name``."""
    problems = validate_branch_name(name, policy.pattern)
    if problems:
        raise ConfigError(
            "invalid branch name:\n  " + "\n  ".join(problems),
            "choose a name that follows the rules above and run the command again",
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
        # The HEAD file answers a re-run on the branch without loading GitPython; anything it
        # cannot answer (detached, a worktree that is gone, no git) goes through the adapter.
        found = head_file_branch(self.root)
        if found is not None:
            return found == self.name
        return Refs.read(self.root).current == self.name

    def run(self, ctx: StepContext) -> StepResult:
        check_name(self.name, self.policy)
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
            fetched = self._fetch_base(ctx)
            refs = Refs.read(self.root)
        ctx.check_cancelled()
        action, start = plan_source(refs, self.name, self.policy.base, fetched)
        if start is None:
            raise self._missing_base(refs)
        elsewhere = worktree_with_branch(self.root, self.name)
        if elsewhere is not None:
            raise ConfigError(
                f"branch {self.name} is already checked out in the worktree {elsewhere}",
                "work there, or choose another branch name for this worktree",
            )
        conflicts = conflicting_paths(self.root, start)
        if conflicts:
            raise _conflict_error(self.name, start, conflicts)
        ctx.check_cancelled()
        if action == "switch":
            switch_branch(self.root, self.name)
            ctx.log(f"switched to {self.name}; local changes carried across")
            return StepResult(f"switched to {self.name}", {"branch": self.name, "action": "switch"})
        create_branch(self.root, self.name, start, track=action == "track")
        try:
            switch_branch(self.root, self.name)
        except DevkitError:
            self._undo_create(ctx)
            raise
        ctx.log(f"created {self.name} from {start}")
        return StepResult(
            f"created {self.name} from {start}",
            {"branch": self.name, "action": "create", "from": start},
        )

    def _fetch_base(self, ctx: StepContext) -> bool:
        base = self.policy.base
        refspec = f"+refs/heads/{base}:refs/remotes/{REMOTE}/{base}"
        ctx.log(f"fetching {base} from {REMOTE} (timeout {self.fetch_timeout:g}s)")
        status, err = fetch(self.root, [REMOTE, refspec], self.fetch_timeout, ctx.cancel)
        if status == 0:
            return True
        reason = first_line(err) or f"git fetch exited {status}"
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

    def _undo_create(self, ctx: StepContext) -> None:
        if Refs.read(self.root).current == self.name:
            return
        err = delete_branch(self.root, self.name)
        if err is None:
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
    from (assuming the fetch of the base succeeds). Fast and offline: no fetch, no git process."""
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
