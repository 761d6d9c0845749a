"""Randomised scenarios: the conflict preflight is never more lenient than git, and a switch it
allows never loses local work (staged, unstaged, untracked or ignored).

Each scenario builds a base commit, a target branch that changes some files, and local work on
top of the base; git's own verdict comes from a real 'git checkout' in a copy of the repo.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from devkit.config.model import BranchPolicy
from devkit.core.errors import ConfigError
from devkit.core.plan import StepContext
from devkit.git.state import conflicting_paths
from devkit.init.branch import FeatureBranchStep

Git = Callable[..., str]
TRACKED = ["a.txt", "b.txt", "dir/c.txt", "dir/d.txt"]
NEW = ["new.txt", "dir2/f.txt", ".env", "dir/e.txt"]
POLICY = BranchPolicy(pattern=r"^feat/.+$", base="main")


def build(root: Path, git: Git, rng: random.Random) -> set[str]:
    """The scenario; returns the paths holding local work that must survive."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for path in TRACKED:
        write(root, path, f"base {path}\n")
    write(root, ".gitignore", ".env\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "switch", "-q", "-c", "feat/target")
    for path in rng.sample(TRACKED, rng.randint(0, 2)):
        if rng.random() < 0.7:
            write(root, path, f"target {path}\n")
        else:
            git(root, "rm", "-q", path)
    for path in rng.sample(NEW, rng.randint(0, 2)):
        write(root, path, f"target {path}\n")
        git(root, "add", "-f", path)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "target")
    git(root, "switch", "-q", "main")
    work: set[str] = set()
    for path in rng.sample(TRACKED, rng.randint(0, 2)):
        choice = rng.choice(["edit", "stage", "delete"])
        if choice == "delete":
            (root / path).unlink()
        else:
            write(root, path, f"local {path}\n")
            if choice == "stage":
                git(root, "add", path)
        work.add(path)
    for path in rng.sample(NEW, rng.randint(0, 2)):
        write(root, path, f"local {path}\n")
        if rng.random() < 0.3 and path != ".env":
            git(root, "add", path)
        work.add(path)
    return work


def write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def git_refuses(root: Path, tmp: Path) -> bool:
    copy = tmp / "copy"
    shutil.copytree(root, copy, symlinks=True)
    proc = subprocess.run(["git", "checkout", "-q", "feat/target"], cwd=copy, capture_output=True)
    return proc.returncode != 0


def state_of(root: Path, git: Git, paths: set[str]) -> dict[str, object]:
    files = {p: (root / p).read_bytes() if (root / p).exists() else None for p in sorted(paths)}
    staged = git(root, "diff", "--cached", "--name-status")
    return {"files": files, "staged": staged}


@pytest.mark.parametrize("seed", range(30))
def test_preflight_is_safe(seed: int, tmp_path: Path, git: Git) -> None:
    rng = random.Random(seed)
    root = tmp_path / "repo"
    work = build(root, git, rng)
    refused_by_git = git_refuses(root, tmp_path)
    conflicts = conflicting_paths(root, "feat/target")
    if refused_by_git:
        assert conflicts, "git refuses this checkout, so the preflight must too"
    before = state_of(root, git, work)
    try:
        FeatureBranchStep(root, "feat/target", POLICY).run(StepContext("branch", print))
    except ConfigError:
        assert conflicts
        assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
        assert state_of(root, git, work) == before
        return
    assert not conflicts
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "feat/target"
    assert state_of(root, git, work)["files"] == before["files"]
