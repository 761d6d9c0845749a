"""The one place devkit starts git: GitPython's command runner, hardened for untrusted clones.

A repository's own config may name programs that git would start on its own: a filesystem
monitor (``core.fsmonitor``, run by ``status``, ``diff`` and ``checkout``), hooks (a committed
folder through ``core.hooksPath``: ``post-checkout``, ``reference-transaction``), an
``ext::`` remote URL. Every git process devkit starts gets the overrides in ``SAFE_CONFIG`` on
its command line, where they outrank every config file, so none of those run. A remote's
``uploadpack`` is the exception (git keeps the first value it reads, the repository's), so
``repo.fetch`` names the upload-pack program itself. Clean and smudge filters are left alone:
turning them off would check out git-lfs pointers instead of files.

GitPython is imported here, lazily (``devkit --help`` must not pay for it), and its failures
become DevkitErrors: exit 3 when git is missing or the repository is unreachable, exit 2 for
a repository git cannot use.
"""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.core.errors import ConfigError, DevkitError, NotReadyError
from devkit.core.records import dataclass

if TYPE_CHECKING:
    from git.cmd import Git

REMOTE = "origin"

# (key, value) given to every git process as ``-c key=value``.
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("protocol.ext.allow", "never"),
    ("core.pager", "cat"),
)
# English messages (some are parsed), no prompts, no optional index lock fights, no editor.
SAFE_ENV = {
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_PAGER": "cat",
    "GIT_EDITOR": ":",
}


def git_class() -> type[Git]:
    try:
        from git.cmd import Git
    except ImportError as exc:  # GitPython raises ImportError when it finds no git executable
        raise NotReadyError(
            "git is not installed", "install git (e.g. 'apt-get install git')"
        ) from exc
    return Git


def argv(
    args: Sequence[str], hooks: bool = False, extra: Sequence[tuple[str, str]] = ()
) -> list[str]:
    """The full command line for ``git ARGS``: the executable, the overrides, the arguments.
    ``hooks=True`` leaves ``core.hooksPath`` as configured (only to ask git where hooks are)."""
    exe = str(git_class().GIT_PYTHON_GIT_EXECUTABLE or "git")
    options: list[str] = []
    for key, value in (*SAFE_CONFIG, *extra):
        if hooks and key == "core.hooksPath":
            continue
        options += ["-c", f"{key}={value}"]
    return [exe, *options, *args]


# git-lfs's own filter, the one program-valued setting a repository's config may keep.
_LFS = {
    "filter.lfs.clean": "git-lfs clean -- %f",
    "filter.lfs.smudge": "git-lfs smudge -- %f",
    "filter.lfs.process": "git-lfs filter-process",
}


def _neutral(key: str, value: str) -> str | None:
    """The harmless value for a program-valued setting of the repository's own config (None:
    not one, or git-lfs's standard filter)."""
    name = key.lower()
    if _LFS.get(name) == value.strip():
        return None
    if name in ("core.sshcommand",):
        return "ssh"
    if name in ("core.gitproxy", "core.askpass", "core.alternaterefscommand"):
        return ""
    if (name.startswith("credential.") and name.endswith(".helper")) or name == "credential.helper":
        return ""
    if name.startswith("filter.") and name.endswith((".clean", ".smudge")):
        return "cat"
    if name.startswith("filter.") and name.endswith(".process"):
        return ""
    if name.startswith("diff.") and name.endswith((".textconv", ".command")):
        return "cat" if name.endswith(".textconv") else ""
    return None


_OVERRIDES: dict[str, list[tuple[str, str]]] = {}


def repository_overrides(root: Path) -> list[tuple[str, str]]:
    """Once per repository and process (devkit never writes such settings itself)."""
    key = str(root)
    if key not in _OVERRIDES:
        _OVERRIDES[key] = _read_overrides(root)
    return _OVERRIDES[key]


def _read_overrides(root: Path) -> list[tuple[str, str]]:
    """``-c`` overrides for every program the repository's own config (``.git/config`` and what it
    includes) names: a cloned repository must not choose what devkit's git runs. Settings from the
    user's global config are the user's and stay."""
    from git.exc import GitCommandNotFound

    try:
        handle = git_class()(str(root)).execute(
            argv(["config", "--local", "--includes", "--list", "-z"]),
            as_process=True,
            env=SAFE_ENV,
        )
        out, _err = handle.proc.communicate(timeout=30) if handle.proc else (b"", b"")
    except (GitCommandNotFound, OSError, subprocess.TimeoutExpired):
        return []
    found: list[tuple[str, str]] = []
    for entry in (out or b"").decode("utf-8", "replace").split("\0"):
        key, _, value = entry.partition("\n")
        neutral = _neutral(key, value) if key else None
        if neutral is not None:
            found.append((key, neutral))
    return found


@dataclass
class GitProcess:
    """A started git process. Keep it until ``finish``: GitPython stops it when collected."""

    args: tuple[str, ...]
    handle: Git.AutoInterrupt

    @property
    def popen(self) -> subprocess.Popen[bytes]:
        proc = self.handle.proc
        assert proc is not None
        return proc

    def finish(self, stdin: bytes | None = None, timeout: float | None = None) -> Result:
        out, err = self.popen.communicate(stdin, timeout=timeout)
        err_text = (err or b"").decode("utf-8", "replace").strip()
        return Result(self.args, self.popen.returncode, out or b"", err_text)


@dataclass(frozen=True)
class Result:
    args: tuple[str, ...]
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8", "surrogateescape")


def start(
    root: Path,
    args: Sequence[str],
    *,
    stdin: bool = False,
    hooks: bool = False,
    new_session: bool = False,
    quiet: bool = False,
) -> GitProcess:
    """Start ``git ARGS`` in ``root`` (stdout and stderr piped; stdout discarded if ``quiet``)."""
    from git.exc import GitCommandNotFound

    runner = git_class()(str(root))
    try:
        handle = runner.execute(
            argv(args, hooks=hooks, extra=repository_overrides(root)),
            istream=subprocess.PIPE if stdin else None,
            as_process=True,
            with_stdout=not quiet,
            env=SAFE_ENV,
            start_new_session=new_session,
        )
    except GitCommandNotFound as exc:
        raise NotReadyError(
            "git is not installed", "install git (e.g. 'apt-get install git')"
        ) from exc
    return GitProcess(tuple(args), handle)


def run(root: Path, *args: str, ok_codes: tuple[int, ...] = (0,), hooks: bool = False) -> str:
    """Run one git command in ``root`` and return its stdout; fail as a DevkitError."""
    result = start(root, args, hooks=hooks).finish()
    if result.code not in ok_codes:
        raise failure(root, args, result.err)
    return result.text


def run_many(root: Path, *commands: Sequence[str], ok_codes: tuple[int, ...] = (0,)) -> list[str]:
    """Run independent read-only git commands side by side; stdout of each, in order."""
    procs = [start(root, args) for args in commands]
    results = [proc.finish() for proc in procs]
    for result in results:
        if result.code not in ok_codes:
            raise failure(root, result.args, result.err)
    return [result.text for result in results]


def version() -> str:
    """The version of the git devkit runs, e.g. '2.39.5'."""
    result = start(Path("/"), ["--version"]).finish()
    if result.code != 0:
        raise NotReadyError(f"git --version failed: {result.err}", "reinstall git")
    return result.text.strip().removeprefix("git version ")


def failure(root: Path, args: Sequence[str], stderr: str) -> DevkitError:
    """The DevkitError for a git command that failed in ``root`` with ``stderr``."""
    if "dubious ownership" in stderr:
        return NotReadyError(
            f"git refuses to read {root}: it belongs to another user than the one running devkit",
            f"run devkit as the owner of {root}, or trust it with "
            f"'git config --global --add safe.directory {root}'",
        )
    missing = unreachable_gitdir(root)
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


def small_file_text(path: Path, limit: int = 4096) -> str | None:
    """The text of a small regular file that is not a symlink (``.git`` files, ``HEAD``),
    read once and bounded; None for anything else (a symlink, a fifo, a folder, too long)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        data = os.read(fd, limit + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return None if len(data) > limit else data.decode("utf-8", errors="replace")


def _gitdir_named(root: Path) -> Path | None:
    """The gitdir a ``.git`` file names (linked worktrees, submodules), else None."""
    text = (small_file_text(root / ".git") or "").strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = Path(text.removeprefix("gitdir:").strip())
    return gitdir if gitdir.is_absolute() else root / gitdir


def unreachable_gitdir(root: Path) -> Path | None:
    """The gitdir a ``.git`` file names when it does not exist (e.g. inside a container)."""
    gitdir = _gitdir_named(root)
    return None if gitdir is None or gitdir.exists() else gitdir


def is_linked_worktree(root: Path) -> bool:
    """True for a checkout made by 'git worktree add' (its .git is a file naming a gitdir
    that points back to a common dir); submodules also have a .git file but no commondir."""
    gitdir = _gitdir_named(root)
    return gitdir is not None and (gitdir / "commondir").is_file()


def first_line(text: str) -> str:
    """The first non-empty line of git's stderr, without its 'error: '/'fatal: ' prefix."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("error: ").removeprefix("fatal: ")
    return ""
