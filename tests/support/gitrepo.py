"""Real git repositories for tests, with a git config that never touches the developer's own.

``isolated_git_env(home)`` returns the variables that make git (and GitPython, which runs git)
read only ``home/.gitconfig``: HOME, XDG_CONFIG_HOME and GIT_CONFIG_GLOBAL point into ``home``
and GIT_CONFIG_NOSYSTEM=1 skips /etc/gitconfig. Identity, default branch and "no signing" are
set there, so commits work on a machine with no git identity and no gpg.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

GIT_USER = "Devkit Test"
GIT_EMAIL = "devkit-test@example.invalid"
# A fixed date makes the initial commit's hash the same on every run (snapshot-friendly).
INITIAL_DATE = "2024-01-01T00:00:00+00:00"

_GITCONFIG = f"""\
[user]
\tname = {GIT_USER}
\temail = {GIT_EMAIL}
[init]
\tdefaultBranch = main
[commit]
\tgpgsign = false
[tag]
\tgpgsign = false
[advice]
\tdetachedHead = false
[protocol "file"]
\tallow = always
"""


def isolated_git_env(home: Path) -> dict[str, str]:
    """Variables (to merge into an environment) that isolate git's config inside ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    gitconfig = home / ".gitconfig"
    if not gitconfig.exists():
        gitconfig.write_text(_GITCONFIG)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": GIT_USER,
        "GIT_AUTHOR_EMAIL": GIT_EMAIL,
        "GIT_COMMITTER_NAME": GIT_USER,
        "GIT_COMMITTER_EMAIL": GIT_EMAIL,
    }


def build_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``{relative/posix/path: text or bytes}`` under ``root``; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            raise ValueError(f"build_tree: {rel!r} must be a relative path inside the tree")
        target = root.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    return root


@dataclass(frozen=True)
class GitRepo:
    path: Path
    branch: str
    env: dict[str, str]  # full environment to run git in this repo with the isolated config

    def git(self, *args: str) -> str:
        """Run ``git ARGS`` in the repo; returns stripped stdout, raises on failure."""
        return run_git(self.path, self.env, *args)

    @property
    def head(self) -> str:
        return self.git("rev-parse", "HEAD")


def run_git(cwd: Path, env: Mapping[str, str], *args: str) -> str:
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout.strip()


def make_repo(
    path: Path,
    files: Mapping[str, str | bytes] | None = None,
    branch: str = "main",
    env: Mapping[str, str] | None = None,
) -> GitRepo:
    """Create a git repo at ``path`` with ``files`` and one initial commit on ``branch``.

    ``env`` is the environment git runs in; by default the current one plus an isolated config
    in ``<path>.githome`` beside the repo (pass the ``git_env`` fixture's env to share one).
    """
    if env is None:
        env = {**os.environ, **isolated_git_env(path.parent / f"{path.name}.githome")}
    full_env = dict(env)
    build_tree(path, files if files is not None else {"README.md": "# test workspace\n"})
    run_git(path, full_env, "init", "--quiet", f"--initial-branch={branch}")
    run_git(path, full_env, "add", "--all")
    dated = {**full_env, "GIT_AUTHOR_DATE": INITIAL_DATE, "GIT_COMMITTER_DATE": INITIAL_DATE}
    run_git(path, dated, "commit", "--quiet", "--allow-empty", "-m", "initial commit")
    return GitRepo(path=path, branch=branch, env=full_env)
