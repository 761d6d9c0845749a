"""Fast, read-only facts about a git repository, from the git command line.

These run on every ``devkit check`` and fingerprint, so they avoid GitPython (its import alone
costs about as much as the queries) and start independent git processes side by side. Writing
to a repository (branches, checkouts) lives in ``git_branch.py``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from devkit.errors import ConfigError, DevkitError, NotReadyError

REMOTE = "origin"


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


def git_executable() -> str:
    found = shutil.which("git")
    if not found:
        raise NotReadyError("git is not installed", "install git (e.g. 'apt-get install git')")
    return found


def git_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for git: English messages (we parse some), no prompts, no lock fights."""
    env = dict(os.environ)
    env.update({"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"})
    if extra:
        env.update(extra)
    return env


def _popen(root: Path, args: Sequence[str], stdin: bool = False) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            [git_executable(), "-C", str(root), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            env=git_env(),
        )
    except OSError as exc:
        raise NotReadyError(f"could not run git: {exc}", "check that git is installed") from exc


def _finish(proc: subprocess.Popen[bytes]) -> tuple[int, bytes, str]:
    out, err = proc.communicate()
    return proc.returncode, out, err.decode("utf-8", "replace").strip()


def run_git(root: Path, *args: str, ok_codes: tuple[int, ...] = (0,)) -> str:
    """Run one git command in ``root`` and return its stdout; fail as a DevkitError."""
    code, out, err = _finish(_popen(root, args))
    if code not in ok_codes:
        raise _git_failure(root, args, err)
    return out.decode("utf-8", "surrogateescape")


def run_git_many(
    root: Path, *commands: Sequence[str], ok_codes: tuple[int, ...] = (0,)
) -> list[str]:
    """Run independent read-only git commands side by side; stdout of each, in order."""
    procs = [(args, _popen(root, args)) for args in commands]
    results = [(args, *_finish(proc)) for args, proc in procs]
    outputs = []
    for args, code, out, err in results:
        if code not in ok_codes:
            raise _git_failure(root, args, err)
        outputs.append(out.decode("utf-8", "surrogateescape"))
    return outputs


def _git_failure(root: Path, args: Sequence[str], stderr: str) -> DevkitError:
    if "dubious ownership" in stderr:
        return NotReadyError(
            f"git refuses to read {root}: it belongs to another user than the one running devkit",
            f"run devkit as the owner of {root}, or trust it with "
            f"'git config --global --add safe.directory {root}'",
        )
    missing = _unreachable_gitdir(root)
    if missing is not None:
        return NotReadyError(
            f"{root} is a linked git worktree whose git folder {missing} is not reachable here",
            "mount or copy the main repository too (its .git folder), or use a regular clone",
        )
    if "not a git repository" in stderr:
        return ConfigError(
            f"{root} is not a git repository",
            "run devkit inside your repository, or 'git init' it first",
        )
    return ConfigError(
        f"'git {' '.join(args)}' failed in {root}: {stderr or 'no message'}",
        "run the same git command yourself to see what git needs",
    )


def _unreachable_gitdir(root: Path) -> Path | None:
    """The gitdir a ``.git`` file names when it does not exist (e.g. inside a container)."""
    dot_git = root / ".git"
    if not dot_git.is_file():
        return None
    text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = Path(text.removeprefix("gitdir:").strip())
    gitdir = gitdir if gitdir.is_absolute() else root / gitdir
    return None if gitdir.exists() else gitdir


def is_linked_worktree(root: Path) -> bool:
    """True for a checkout made by 'git worktree add' (its .git is a file naming a gitdir
    that points back to a common dir); submodules also have a .git file but no commondir."""
    dot_git = root / ".git"
    if not dot_git.is_file():
        return False
    text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
    if not text.startswith("gitdir:"):
        return False
    gitdir = Path(text.removeprefix("gitdir:").strip())
    if not gitdir.is_absolute():
        gitdir = root / gitdir
    return (gitdir / "commondir").is_file()


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
    status_proc = _popen(root, ["status", "--porcelain=v2", "--branch", "-z", "-unormal"])
    refs_proc = _popen(root, ["for-each-ref", "--format=%(refname)", *base_candidates(base)])
    status_code, status_out, status_err = _finish(status_proc)
    refs_code, refs_out, refs_err = _finish(refs_proc)
    if status_code != 0:
        raise _git_failure(root, ["status"], status_err)
    if refs_code != 0:
        raise _git_failure(root, ["for-each-ref"], refs_err)
    parsed = parse_status_v2(status_out)
    base_ref = _pick_base(refs_out.decode(), base)
    behind = ahead = 0
    merge_base: str | None = None
    if parsed.commit is not None and base_ref is not None:
        count_proc = _popen(root, ["rev-list", "--left-right", "--count", f"{base_ref}...HEAD"])
        mb_proc = _popen(root, ["merge-base", base_ref, "HEAD"])
        count_code, count_out, count_err = _finish(count_proc)
        mb_code, mb_out, mb_err = _finish(mb_proc)
        if count_code != 0:
            raise _git_failure(root, ["rev-list"], count_err)
        left, right = count_out.decode().split()
        behind, ahead = int(left), int(right)
        if mb_code == 0:
            merge_base = mb_out.decode().strip() or None
        elif mb_code != 1:  # 1 means unrelated histories: no merge-base
            raise _git_failure(root, ["merge-base"], mb_err)
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
    out = run_git(root, "ls-files", "-z")
    return [path for path in out.split("\0") if path]


def conflicting_paths(root: Path, target: str) -> list[tuple[str, str]]:
    """Local work that checking out ``target`` would overwrite, as (path, why) pairs.

    Stricter than git on purpose: git silently overwrites *ignored* files (a developer's
    ``.env``) when the target tracks the same path; here that counts as a conflict too.
    """
    diff_proc = _popen(root, ["diff", "--name-status", "-z", "--no-renames", "HEAD", target])
    status_proc = _popen(root, ["status", "--porcelain=v1", "-z", "-uno"])
    diff_code, diff_out, diff_err = _finish(diff_proc)
    status_code, status_out, status_err = _finish(status_proc)
    if diff_code != 0:
        raise _git_failure(root, ["diff", "HEAD", target], diff_err)
    if status_code != 0:
        raise _git_failure(root, ["status"], status_err)
    changed = _changed_paths(status_out.decode("utf-8", "surrogateescape"))
    fields = diff_out.decode("utf-8", "surrogateescape").split("\0")
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
    proc = _popen(root, ["check-ignore", "-z", "--stdin", "--no-index"], stdin=True)
    out, _err = proc.communicate("\0".join(untracked).encode("utf-8", "surrogateescape"))
    ignored = (
        set(out.decode("utf-8", "surrogateescape").split("\0")) if proc.returncode == 0 else set()
    )
    return [
        (path, "ignored file (git would overwrite it silently)" if path in ignored else why)
        for path, why in conflicts
    ]
