"""The git adapter against real repositories in tmp_path: HEAD in every shape, worktrees,
errors as DevkitErrors, and a hostile repository whose config names programs that must not run.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.config.model import BranchPolicy
from devkit.core.errors import ConfigError, DevkitError, ExitCode, NotReadyError
from devkit.core.plan import StepContext
from devkit.git import command
from devkit.git.repo import Head, Refs, current_branch, head, head_file_branch
from devkit.git.state import (
    config_get,
    config_set_local,
    conflicting_paths,
    files_containing,
    hooks_path,
    is_tracked_symlink,
    repo_state,
    tracked_files,
    tracked_under,
)
from devkit.init.branch import FeatureBranchStep
from devkit.init.request import checked_out_branch
from support.gitrepo import GitRepo, make_repo, run_git

POLICY = BranchPolicy(pattern=r"^feat/[a-z0-9-]+$", base="main")


def test_head_on_a_branch(git_repo: GitRepo) -> None:
    assert head(git_repo.path) == Head("main", git_repo.head)
    assert current_branch(git_repo.path) == "main"
    assert checked_out_branch(git_repo.path) == "main"


def test_detached_head_has_no_branch_but_a_commit(git_repo: GitRepo) -> None:
    git_repo.git("checkout", "--quiet", "--detach")
    found = head(git_repo.path)
    assert found.detached and found.branch is None
    assert found.commit == git_repo.head
    assert current_branch(git_repo.path) is None
    assert checked_out_branch(git_repo.path) is None
    assert repo_state(git_repo.path, "main").branch is None


def test_unborn_branch_is_current_but_has_no_commit(
    tmp_path: Path, git_env: dict[str, str]
) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    run_git(root, git_env, "init", "--quiet", "--initial-branch=trunk")
    assert head(root) == Head("trunk", None)
    refs = Refs.read(root)
    assert refs.current == "trunk" and not refs.has_commits and refs.local == frozenset()
    state = repo_state(root, "main")
    assert (state.branch, state.commit, state.base_ref) == ("trunk", None, None)
    with pytest.raises(ConfigError, match="no commits yet"):
        FeatureBranchStep(root, "feat/x", POLICY, fetch=False).run(StepContext("branch", print))


def test_linked_worktree_reads_its_own_head(git_repo: GitRepo, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git_repo.git("worktree", "add", "--quiet", "-b", "feat/wt", str(other))
    assert (other / ".git").is_file()
    assert current_branch(other) == "feat/wt"
    assert current_branch(git_repo.path) == "main"
    assert command.is_linked_worktree(other) and not command.is_linked_worktree(git_repo.path)
    refs = Refs.read(other)
    assert refs.local == {"main", "feat/wt"} and refs.has_commits
    state = repo_state(other, "main")
    assert state.is_worktree and state.branch == "feat/wt" and state.merge_base == git_repo.head
    assert tracked_files(other) == ["README.md"]


def test_worktree_whose_git_folder_is_gone_is_exit_3(tmp_path: Path) -> None:
    root = tmp_path / "mounted"
    root.mkdir()
    (root / ".git").write_text(f"gitdir: {tmp_path / 'elsewhere' / '.git' / 'worktrees' / 'x'}\n")
    for call in (lambda: head(root), lambda: repo_state(root, "main")):
        with pytest.raises(NotReadyError, match="not reachable here") as info:
            call()
        assert info.value.code == ExitCode.NOT_READY and info.value.hint


def test_not_a_repository_is_exit_2(tmp_path: Path, git_env: dict[str, str]) -> None:
    for call in (lambda: head(tmp_path), lambda: tracked_files(tmp_path)):
        with pytest.raises(ConfigError, match="not a git repository") as info:
            call()
        assert info.value.code == ExitCode.BAD_INPUT and info.value.hint


def test_missing_git_is_exit_3(git_repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(git_repo.path / "nowhere"))
    with pytest.raises(NotReadyError, match="git is not installed") as info:
        tracked_files(git_repo.path)
    assert info.value.hint


def test_head_file_agrees_with_gitpython_or_defers(
    git_repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert head_file_branch(git_repo.path) == head(git_repo.path).branch == "main"
    other = tmp_path / "other"
    git_repo.git("worktree", "add", "--quiet", "-b", "feat/wt", str(other))
    assert head_file_branch(other) == current_branch(other) == "feat/wt"
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    run_git(fresh, git_repo.env, "init", "--quiet", "--initial-branch=trunk")
    assert head_file_branch(fresh) == head(fresh).branch == "trunk"  # unborn
    git_repo.git("checkout", "--quiet", "--detach")
    assert head_file_branch(git_repo.path) is None  # detached: the adapter answers
    gone = tmp_path / "mounted"
    gone.mkdir()
    (gone / ".git").write_text(f"gitdir: {tmp_path / 'elsewhere'}\n")
    assert head_file_branch(gone) is None  # and explains what is wrong (exit 3)
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert head_file_branch(other) is None  # no git: the adapter says so (exit 3)


def test_rerun_on_the_branch_needs_no_gitpython(git_repo: GitRepo) -> None:
    git_repo.git("checkout", "--quiet", "-b", "feat/x")
    code = (
        "import sys; from pathlib import Path\n"
        "from devkit.config.model import BranchPolicy\n"
        "from devkit.init.branch import FeatureBranchStep\n"
        "policy = BranchPolicy(pattern=r'^feat/[a-z0-9-]+$', base='main')\n"
        "for name, done in (('feat/x', True), ('feat/y', False)):\n"
        "    step = FeatureBranchStep(Path(sys.argv[1]), name, policy, fetch=False)\n"
        "    assert step.is_done() is done, name\n"
        "    print(name, 'git' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(git_repo.path)],
        env=git_repo.env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.split("\n")[:2] == ["feat/x False", "feat/y False"], proc.stdout


def test_queries_and_config(git_repo: GitRepo) -> None:
    make_files = {"a.txt": "needle here\n", "b.txt": "nothing\n", "sub/c.txt": "NEEDLE\n"}
    for rel, text in make_files.items():
        (git_repo.path / rel).parent.mkdir(exist_ok=True)
        (git_repo.path / rel).write_text(text)
    (git_repo.path / "link").symlink_to("a.txt")
    git_repo.git("add", "--all")
    git_repo.git("commit", "--quiet", "-m", "files")
    assert sorted(files_containing(git_repo.path, ["needle"])) == ["a.txt", "sub/c.txt"]
    assert files_containing(git_repo.path, ["absent"]) == []
    assert tracked_under(git_repo.path, "sub") == ["sub/c.txt"]
    assert is_tracked_symlink(git_repo.path, "link")
    assert not is_tracked_symlink(git_repo.path, "a.txt")
    assert config_get(git_repo.path, "devkit.test", kind="bool") is None
    config_set_local(git_repo.path, "devkit.test", "yes")
    assert config_get(git_repo.path, "devkit.test", kind="bool") == "true"
    config_set_local(git_repo.path, "devkit.test", None)
    config_set_local(git_repo.path, "devkit.test", None)  # absent already: fine
    assert config_get(git_repo.path, "devkit.test") is None
    assert hooks_path(git_repo.path) == git_repo.path / ".git" / "hooks"
    assert command.version()[0].isdigit()


# --- a hostile repository ---------------------------------------------------------------------


def _spy(path: Path, marker: Path, then: str = "") -> str:
    """An executable script that records it ran (in ``marker``) and then does ``then``."""
    path.write_text(f'#!/bin/sh\necho "$0 $*" >> "{marker}"\n{then}\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def hostile(tmp_path: Path, git_env: dict[str, str]) -> tuple[GitRepo, Path]:
    """A clone whose config runs a program from git status, any hook, and fetch from origin."""
    marker = tmp_path / "ran.txt"
    upstream = make_repo(tmp_path / "upstream", env=git_env)
    root = tmp_path / "clone"
    run_git(tmp_path, git_env, "clone", "--quiet", str(upstream.path), str(root))
    repo = GitRepo(root, "main", git_env)
    hooks = root / ".githooks"
    hooks.mkdir()
    for name in ("post-checkout", "reference-transaction", "pre-commit", "post-index-change"):
        _spy(hooks / name, marker)
    monitor = _spy(tmp_path / "monitor.sh", marker)
    uploadpack = _spy(tmp_path / "uploadpack.sh", marker, then='exec git-upload-pack "$@"')
    repo.git("config", "core.fsmonitor", monitor)
    repo.git("config", "core.hooksPath", ".githooks")
    repo.git("config", "remote.origin.uploadpack", uploadpack)
    # Programs a clone's config may name for other commands: a clean filter (status runs it on a
    # changed file), ssh, askpass and a credential helper (a fetch that needs them would run them)
    repo.git("config", "filter.x.clean", _spy(tmp_path / "clean.sh", marker, then="cat"))
    repo.git("config", "filter.x.smudge", _spy(tmp_path / "smudge.sh", marker, then="cat"))
    for key in ("core.sshCommand", "core.askPass", "credential.helper", "core.gitProxy"):
        repo.git("config", key, _spy(tmp_path / f"{key}.sh", marker))
    (root / ".gitattributes").write_text("README.md filter=x\n")
    (root / "README.md").write_text("changed\n")  # status has work to do
    return repo, marker


def test_hostile_config_does_run_for_plain_git(hostile: tuple[GitRepo, Path]) -> None:
    """The trap is real: git itself runs the monitor and the upload-pack the config names."""
    repo, marker = hostile
    repo.git("status", "--porcelain")
    assert "monitor.sh" in marker.read_text()
    repo.git("hash-object", "--path", "README.md", "README.md")  # git filters what it reads
    assert "clean.sh" in marker.read_text()
    repo.git("fetch", "--quiet", "origin")
    assert "uploadpack.sh" in marker.read_text()


def test_hostile_config_never_runs_through_devkit(hostile: tuple[GitRepo, Path]) -> None:
    repo, marker = hostile
    root = repo.path
    state = repo_state(root, "main")
    assert state.dirty and state.branch == "main"
    tracked_files(root)
    conflicting_paths(root, "origin/main")
    is_tracked_symlink(root, "README.md")
    files_containing(root, ["changed"])
    config_get(root, "core.fsmonitor")
    current_branch(root)
    # create (after a fetch from origin), then switch back and forth: hooks would fire here
    step = FeatureBranchStep(root, "feat/safe", POLICY, fetch=True)
    data = step.run(StepContext("branch", lambda event: None)).data
    assert data["action"] == "create" and data["from"] == "origin/main"
    repo.git(
        "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "checkout", "-q", "main"
    )
    FeatureBranchStep(root, "feat/safe", POLICY, fetch=True).run(
        StepContext("branch", lambda event: None)
    )
    assert current_branch(root) == "feat/safe"
    command.run(root, "hash-object", "--path", "README.md", "README.md")
    assert not marker.exists(), marker.read_text()
    # and the hooks folder the developer configured is still what devkit reports
    assert hooks_path(root) == root / ".githooks"


def test_only_git_lfs_keeps_its_filter_and_every_other_program_is_neutralised() -> None:
    assert command._neutral("filter.lfs.clean", "git-lfs clean -- %f") is None
    assert command._neutral("filter.lfs.process", "git-lfs filter-process") is None
    assert command._neutral("filter.lfs.clean", "sh -c evil") == "cat"
    assert command._neutral("filter.x.process", "evil") == ""
    assert command._neutral("core.sshCommand", "evil") == "ssh"
    assert command._neutral("credential.https://example.com.helper", "evil") == ""
    assert command._neutral("diff.x.textconv", "evil") == "cat"
    assert command._neutral("user.name", "Dev") is None


def test_failure_messages_name_the_command(git_repo: GitRepo) -> None:
    with pytest.raises(DevkitError, match="'git rev-parse --verify nope' failed") as info:
        command.run(git_repo.path, "rev-parse", "--verify", "nope")
    assert info.value.hint


@pytest.mark.parametrize("kind", ["symlink", "fifo", "huge"])
def test_a_head_file_that_is_not_a_small_file_is_not_read(
    git_repo: GitRepo, tmp_path: Path, kind: str
) -> None:
    """HEAD as a symlink (to an endless device), a fifo or a huge file: never read, never a
    hang; the question goes to the adapter."""
    head_path = git_repo.path / ".git" / "HEAD"
    head_path.unlink()
    if kind == "symlink":
        head_path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(head_path)
    else:
        head_path.write_text("ref: refs/heads/" + "x" * 10_000 + "\n")
    assert head_file_branch(git_repo.path) is None
