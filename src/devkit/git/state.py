"""Fast, read-only facts about a git repository: where it stands, what it tracks.

These run on every ``devkit check`` and fingerprint, so independent git processes run side by
side (``command.start``). Writing to a repository (branches, checkouts) lives in ``step.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from devkit.core.records import asdict, dataclass
from devkit.git.command import REMOTE, failure, is_linked_worktree, run, start


@dataclass(frozen=True)
class RepoState:
    """Where a repository stands against its base branch.

    ``dirty`` means tracked files differ from HEAD (staged or not); untracked files are counted
    separately in ``untracked`` as ``git status`` lists them: a folder holding only untracked
    files counts once (listing every file of a 20,000-file untracked dataset costs ~8x more).
    ``behind`` counts commits on the base that HEAD lacks, ``ahead`` commits on HEAD that the
    base lacks.
    """

    branch: str | None  # None when HEAD is detached
    commit: str | None  # None in a repository without commits
    base: str  # the base branch as asked for, e.g. "main"
    base_ref: str | None  # what it resolved to: "origin/main", "main", or None when missing
    merge_base: str | None
    behind: int
    ahead: int
    dirty: bool
    untracked: int
    is_worktree: bool  # a linked worktree made by 'git worktree add'

    @property
    def clean(self) -> bool:
        return not self.dirty and self.untracked == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def base_candidates(base: str) -> list[str]:
    """The refs a base branch may resolve to, preferred first."""
    return [f"refs/remotes/{REMOTE}/{base}", f"refs/heads/{base}"]


def short_ref(ref: str) -> str:
    for prefix in ("refs/heads/", "refs/remotes/"):
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return ref


def _pick_base(listing: str, base: str) -> str | None:
    present = set(listing.split())
    for ref in base_candidates(base):
        if ref in present:
            return short_ref(ref)
    return None


def repo_state(root: Path, base: str) -> RepoState:
    """The branch, commit, merge-base, behind/ahead counts and tree state of ``root``.

    Four git processes, two at a time: status and the base lookup first, then the counts and
    the merge-base, which need the resolved base.
    """
    status_proc = start(root, ["status", "--porcelain=v2", "--branch", "-z", "-unormal"])
    refs_proc = start(root, ["for-each-ref", "--format=%(refname)", *base_candidates(base)])
    status = status_proc.finish()
    refs = refs_proc.finish()
    if status.code != 0:
        raise failure(root, ["status"], status.err)
    if refs.code != 0:
        raise failure(root, ["for-each-ref"], refs.err)
    parsed = parse_status_v2(status.out)
    base_ref = _pick_base(refs.text, base)
    behind = ahead = 0
    merge_base: str | None = None
    if parsed.commit is not None and base_ref is not None:
        count_proc = start(root, ["rev-list", "--left-right", "--count", f"{base_ref}...HEAD"])
        mb_proc = start(root, ["merge-base", base_ref, "HEAD"])
        count = count_proc.finish()
        found = mb_proc.finish()
        if count.code != 0:
            raise failure(root, ["rev-list"], count.err)
        left, right = count.text.split()
        behind, ahead = int(left), int(right)
        if found.code == 0:
            merge_base = found.text.strip() or None
        elif found.code != 1:  # 1 means unrelated histories: no merge-base
            raise failure(root, ["merge-base"], found.err)
    return RepoState(
        branch=parsed.branch,
        commit=parsed.commit,
        base=base,
        base_ref=base_ref,
        merge_base=merge_base,
        behind=behind,
        ahead=ahead,
        dirty=parsed.dirty,
        untracked=parsed.untracked,
        is_worktree=is_linked_worktree(root),
    )


@dataclass(frozen=True)
class StatusSummary:
    branch: str | None
    commit: str | None
    dirty: bool
    untracked: int


def parse_status_v2(raw: bytes) -> StatusSummary:
    """Parse ``git status --porcelain=v2 --branch -z``."""
    branch: str | None = None
    commit: str | None = None
    dirty = False
    untracked = 0
    fields = raw.split(b"\0")
    skip_next = False
    for field in fields:
        if skip_next:  # the original path of a rename or copy entry
            skip_next = False
            continue
        if not field:
            continue
        if field.startswith(b"# branch.oid "):
            oid = field[len(b"# branch.oid ") :].decode()
            commit = None if oid == "(initial)" else oid
        elif field.startswith(b"# branch.head "):
            head = field[len(b"# branch.head ") :].decode("utf-8", "surrogateescape")
            branch = None if head == "(detached)" else head
        elif field.startswith(b"?"):
            untracked += 1
        elif field[:2] in (b"1 ", b"u "):
            dirty = True
        elif field.startswith(b"2 "):
            dirty = True
            skip_next = True
    return StatusSummary(branch, commit, dirty, untracked)


def tracked_files(root: Path) -> list[str]:
    """Every path git tracks in ``root`` (``git ls-files``), relative, with '/' separators."""
    out = run(root, "ls-files", "-z")
    return [path for path in out.split("\0") if path]


def conflicting_paths(root: Path, target: str) -> list[tuple[str, str]]:
    """Local work that checking out ``target`` would overwrite, as (path, why) pairs.

    Stricter than git on purpose: git silently overwrites *ignored* files (a developer's
    ``.env``) when the target tracks the same path; here that counts as a conflict too.
    """
    diff_proc = start(
        root, ["diff", "--name-status", "-z", "--no-renames", "--no-ext-diff", "HEAD", target]
    )
    status_proc = start(root, ["status", "--porcelain=v1", "-z", "-uno"])
    diff = diff_proc.finish()
    status = status_proc.finish()
    if diff.code != 0:
        raise failure(root, ["diff", "HEAD", target], diff.err)
    if status.code != 0:
        raise failure(root, ["status"], status.err)
    changed = _changed_paths(status.text)
    fields = diff.text.split("\0")
    conflicts: list[tuple[str, str]] = []
    tracked: set[str] | None = None
    for kind, path in zip(fields[0::2], fields[1::2], strict=False):
        if not path:
            continue
        if path in changed:
            if kind == "D" and not os.path.lexists(root / path):
                continue  # deleted here and there: nothing to lose
            conflicts.append((path, changed[path]))
        elif kind == "A":
            if tracked is None:
                tracked = set(tracked_files(root))
            blocker = _blocker(root, path, tracked)
            if blocker:
                conflicts.append(blocker)
    return _with_ignored_marked(root, conflicts)


def _changed_paths(porcelain: str) -> dict[str, str]:
    """Tracked paths with staged or unstaged changes, from ``status --porcelain=v1 -z``."""
    changed: dict[str, str] = {}
    fields = iter(porcelain.split("\0"))
    for entry in fields:
        if len(entry) < 4:
            continue
        xy, path = entry[:2], entry[3:]
        why = "staged change" if xy[1] == " " else "uncommitted change"
        changed[path] = why
        if "R" in xy or "C" in xy:
            changed[next(fields, "")] = why
    return changed


def _blocker(root: Path, path: str, tracked: set[str]) -> tuple[str, str] | None:
    """Something on disk, not tracked, that a file the target adds would overwrite."""
    full = root / path
    if full.is_symlink() or full.is_file():
        return (path, "untracked file")
    if full.is_dir():
        for folder, _dirs, files in os.walk(full):
            for name in files:
                rel = (Path(folder) / name).relative_to(root).as_posix()
                if rel not in tracked:
                    return (path, f"folder with untracked file {rel}")
        return None
    parts = path.split("/")
    for depth in range(1, len(parts)):
        parent = "/".join(parts[:depth])
        spot = root / parent
        if (spot.is_symlink() or spot.is_file()) and parent not in tracked:
            return (parent, "untracked file")
    return None


def _with_ignored_marked(root: Path, conflicts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    untracked = [path for path, why in conflicts if why == "untracked file"]
    if not untracked:
        return conflicts
    proc = start(root, ["check-ignore", "-z", "--stdin", "--no-index"], stdin=True)
    result = proc.finish("\0".join(untracked).encode("utf-8", "surrogateescape"))
    ignored = set(result.text.split("\0")) if result.code == 0 else set()
    return [
        (path, "ignored file (git would overwrite it silently)" if path in ignored else why)
        for path, why in conflicts
    ]


def tracked_under(root: Path, *paths: str) -> list[str]:
    """The files git tracks at or under ``paths`` (relative to ``root``)."""
    out = run(root, "ls-files", "-z", "--", *paths)
    return [name for name in out.split("\0") if name]


def is_tracked_symlink(root: Path, rel: str) -> bool:
    """Whether git tracks ``rel`` as a symlink (index mode 120000); a failure of git raises."""
    out = start(root, ["ls-files", "-s", "-z", "--", f":(literal){rel}"]).finish(timeout=30)
    if out.code != 0:
        raise failure(root, ["ls-files", "-s"], out.err)
    for record in out.out.split(b"\0"):
        meta, _, name = record.partition(b"\t")
        if name.decode("utf-8", "surrogateescape") == rel and meta.startswith(b"120000 "):
            return True
    return False


def files_containing(root: Path, literals: list[str]) -> list[str]:
    """Tracked text files holding any of ``literals`` (case-insensitive, ``git grep -F``)."""
    args = ["grep", "-l", "-z", "-I", "-F", "-i", "--no-color", "--no-textconv"]
    for text in literals:
        args += ["-e", text]
    out = run(root, *args, ok_codes=(0, 1))
    return [path for path in out.split("\0") if path]


def commit_time(root: Path, rev: str = "HEAD") -> int:
    """The committer time of ``rev``, in seconds since the epoch."""
    return int(run(root, "show", "-s", "--no-show-signature", "--format=%ct", rev).strip())


def hooks_path(root: Path) -> Path:
    """Where git runs hooks from for this checkout (honours core.hooksPath, worktrees)."""
    raw = run(root, "rev-parse", "--git-path", "hooks", hooks=True).strip()
    path = Path(raw)
    return path if path.is_absolute() else (root / path)


def config_get(root: Path, key: str, kind: str | None = None) -> str | None:
    """The value of ``key`` as git sees it (all config levels), or None when unset.
    ``kind``: a type such as "bool" that git normalises the value to."""
    typed = [f"--type={kind}"] if kind else []
    result = start(root, ["config", *typed, "--get", key]).finish()
    if result.code == 1:
        return None
    if result.code != 0:
        raise failure(root, ["config", "--get", key], result.err)
    return result.text.strip()


def config_set_local(root: Path, key: str, value: str | None) -> None:
    """Set ``key`` in the repository's own config; ``None`` removes it (absent is fine)."""
    if value is None:
        run(root, "config", "--local", "--unset", key, ok_codes=(0, 5))
    else:
        run(root, "config", "--local", key, value)
