"""The pre-push hook on real repositories, pushing to a real local bare remote.

These tests put a tiny fake ``devkit`` executable on PATH: they test the hook mechanism
(install, chain, block, let through), not ``devkit check`` itself, which has its own tests.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from devkit.cli import main
from devkit.core.errors import ConfigError
from devkit.core.plan import StepContext
from devkit.githooks import (
    MARKER,
    GitHookStep,
    git_hooks_dir,
    install_pre_push_hook,
    uninstall_pre_push_hook,
)
from support.contract import check_json_output

Git = Callable[..., str]


class FakeDevkit:
    """A stand-in 'devkit' that logs its arguments and exits with a chosen code."""

    def __init__(self, folder: Path) -> None:
        self.bin = folder / "bin"
        self.bin.mkdir(parents=True)
        self.log = folder / "devkit-calls.log"
        self.code_file = folder / "devkit-exit-code"
        self.path = self.bin / "devkit"
        self.path.write_text(
            "#!/bin/sh\n"
            f'echo "$@" >> "{self.log}"\n'
            f'echo "fake devkit check: exit $(cat "{self.code_file}")"\n'
            f'exit "$(cat "{self.code_file}")"\n'
        )
        self.path.chmod(0o755)
        self.exit_with(0)

    def exit_with(self, code: int) -> None:
        self.code_file.write_text(str(code))

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def fake_devkit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeDevkit:
    fake = FakeDevkit(tmp_path / "fake")
    monkeypatch.setenv("PATH", f"{fake.bin}{os.pathsep}{os.environ['PATH']}")
    return fake


@pytest.fixture
def pushable(tmp_path: Path, repo: Path, git: Git) -> Path:
    """``repo`` with a bare remote 'origin' and a feature branch with one new commit."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    git(repo, "switch", "-q", "-c", "feat/x")
    (repo / "feature.txt").write_text("work\n")
    git(repo, "add", "feature.txt")
    git(repo, "commit", "-q", "-m", "feature")
    return remote


def push(root: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "push", *extra, "origin", "HEAD"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )


def remote_branches(git: Git, remote: Path) -> list[str]:
    return git(remote, "for-each-ref", "--format=%(refname)", "refs/heads").split()


def test_blocks_push_when_check_fails(
    repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    install_pre_push_hook(repo)
    fake_devkit.exit_with(1)
    result = push(repo)
    assert result.returncode != 0
    assert "push blocked: 'devkit check' exited 1" in result.stderr
    assert remote_branches(git, pushable) == ["refs/heads/main"]
    assert fake_devkit.calls() == [f"check --workspace {repo} --no-input"]


def test_lets_push_through_when_check_passes(
    repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    install_pre_push_hook(repo, profile="training")
    result = push(repo)
    assert result.returncode == 0, result.stderr
    assert remote_branches(git, pushable) == ["refs/heads/feat/x", "refs/heads/main"]
    assert fake_devkit.calls() == [f"check --workspace {repo} --no-input --profile training"]


def test_any_check_failure_blocks_and_no_verify_bypasses(
    repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    install_pre_push_hook(repo)
    fake_devkit.exit_with(3)  # environment not ready: still not a green check
    assert push(repo).returncode != 0
    assert push(repo, "--no-verify").returncode == 0
    assert "refs/heads/feat/x" in remote_branches(git, pushable)


def test_hook_calls_the_devkit_it_was_installed_with(
    repo: Path, pushable: Path, fake_devkit: FakeDevkit, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_pre_push_hook(repo)
    content = (git_hooks_dir(repo) / "pre-push").read_text()
    assert f"if [ -x {fake_devkit.path} ]" in content
    # PATH no longer has the fake: the hook still finds it by its absolute path.
    monkeypatch.setenv("PATH", os.environ["PATH"].split(os.pathsep, 1)[1])
    fake_devkit.exit_with(1)
    assert push(repo).returncode != 0
    assert len(fake_devkit.calls()) == 1


def write_user_hook(path: Path, body: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "#!/bin/sh\n" + body
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return text


def test_existing_hook_is_kept_and_chained(
    tmp_path: Path, repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    seen = tmp_path / "user-hook-saw"
    hook = git_hooks_dir(repo) / "pre-push"
    original = write_user_hook(hook, f'echo "$1 $2" > "{seen}"\ncat >> "{seen}"\nexit 0\n')
    result = install_pre_push_hook(repo)
    assert result.action == "chain"
    local = hook.with_name("pre-push.local")
    assert local.read_text() == original
    assert os.access(local, os.X_OK)
    assert MARKER in hook.read_text()
    assert push(repo).returncode == 0
    lines = seen.read_text().splitlines()
    assert lines[0] == f"origin {pushable}"
    # The refs git gives the hook on stdin reach the chained hook intact.
    assert lines[1].split()[2:] == ["refs/heads/feat/x", "0" * 40]
    assert len(fake_devkit.calls()) == 1


def test_failing_user_hook_still_blocks(
    repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    write_user_hook(git_hooks_dir(repo) / "pre-push", "echo 'user hook says no' >&2\nexit 3\n")
    install_pre_push_hook(repo)
    result = push(repo)
    assert result.returncode != 0
    assert "user hook says no" in result.stderr
    assert fake_devkit.calls() == []
    assert remote_branches(git, pushable) == ["refs/heads/main"]


def test_install_is_idempotent(repo: Path, fake_devkit: FakeDevkit) -> None:
    first = install_pre_push_hook(repo)
    content = first.path.read_text()
    second = install_pre_push_hook(repo)
    assert (first.action, second.action) == ("create", "none")
    assert second.path.read_text() == content
    assert not second.local.exists()
    step = GitHookStep(repo)
    assert step.is_done()
    assert step.describe() == []


def test_refuses_when_both_hook_and_local_exist(repo: Path, fake_devkit: FakeDevkit) -> None:
    hook = git_hooks_dir(repo) / "pre-push"
    theirs = write_user_hook(hook, "exit 0\n")
    older = write_user_hook(hook.with_name("pre-push.local"), "exit 0 # older\n")
    with pytest.raises(ConfigError, match=r"pre-push\.local already exists") as info:
        install_pre_push_hook(repo)
    assert "merge the two hooks" in info.value.hint
    assert hook.read_text() == theirs
    assert hook.with_name("pre-push.local").read_text() == older


def test_uninstall_restores_the_users_hook(repo: Path, fake_devkit: FakeDevkit) -> None:
    hook = git_hooks_dir(repo) / "pre-push"
    theirs = write_user_hook(hook, "exit 0\n")
    install_pre_push_hook(repo)
    assert "restored yours" in uninstall_pre_push_hook(repo)
    assert hook.read_text() == theirs
    assert not hook.with_name("pre-push.local").exists()
    assert uninstall_pre_push_hook(repo) == "no devkit pre-push hook installed"
    assert hook.read_text() == theirs


def test_core_hooks_path_outside_the_repo(
    tmp_path: Path, repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    shared = tmp_path / "team-hooks"
    git(repo, "config", "core.hooksPath", str(shared))
    plan = install_pre_push_hook(repo)
    assert plan.path == shared / "pre-push"
    assert not (repo / ".git" / "hooks" / "pre-push").exists()
    fake_devkit.exit_with(1)
    assert push(repo).returncode != 0


def test_core_hooks_path_inside_the_tree_gets_no_absolute_path(
    repo: Path, git: Git, fake_devkit: FakeDevkit
) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    plan = install_pre_push_hook(repo)
    assert plan.path.resolve() == (repo / ".githooks" / "pre-push").resolve()
    content = plan.path.read_text()
    assert str(fake_devkit.path) not in content  # a file the team may commit
    assert "command -v devkit" in content


def test_from_a_linked_worktree(
    tmp_path: Path, repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feat/wt", str(wt))
    (wt / "wt.txt").write_text("w\n")
    git(wt, "add", "wt.txt")
    git(wt, "commit", "-q", "-m", "wt")
    plan = install_pre_push_hook(wt)
    assert plan.path.resolve() == (repo / ".git" / "hooks" / "pre-push").resolve()
    fake_devkit.exit_with(1)
    assert push(wt).returncode != 0
    assert fake_devkit.calls() == [f"check --workspace {wt} --no-input"]
    fake_devkit.exit_with(0)
    assert push(wt).returncode == 0
    assert "refs/heads/feat/wt" in remote_branches(git, pushable)


def test_hooks_step_reports_chaining(repo: Path, fake_devkit: FakeDevkit) -> None:
    write_user_hook(git_hooks_dir(repo) / "pre-push", "exit 0\n")
    step = GitHookStep(repo)
    assert "keeping your existing hook as pre-push.local" in step.describe()[0]
    logs: list[object] = []
    result = step.run(StepContext("hooks", logs.append))
    assert result.data["action"] == "chain"
    assert logs  # one log line about the kept hook
    assert step.is_done()


def test_cli_hooks_install(
    repo: Path, fake_devkit: FakeDevkit, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = git_hooks_dir(repo) / "pre-push"
    assert main(["hooks", "install", "--workspace", str(repo), "--dry-run"]) == 0
    assert not hook.exists()
    assert "install a pre-push hook" in capsys.readouterr().out
    assert main(["hooks", "install", "--workspace", str(repo), "--json"]) == 0
    check_json_output(["hooks", "install", "--json"], capsys.readouterr().out)
    assert MARKER in hook.read_text()
    assert main(["hooks", "--workspace", str(repo)]) == 2


def test_installed_by_the_devkit_executable_the_hook_names_it(repo: Path) -> None:
    """Run the real console script: the hook must call that devkit by its absolute path."""
    exe = Path(sys.executable).parent / "devkit"
    if not exe.is_file():
        pytest.fail(f"no devkit console script next to {sys.executable}: pip install -e .")
    result = subprocess.run(
        [str(exe), "hooks", "install", "--workspace", str(repo)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    content = (git_hooks_dir(repo) / "pre-push").read_text()
    assert f'if [ -x {exe} ]; then {exe} "$@"' in content


def test_shared_hooks_path_runs_the_check_only_where_installed(
    tmp_path: Path, repo: Path, git: Git, pushable: Path, fake_devkit: FakeDevkit
) -> None:
    """A core.hooksPath folder serves many repositories; only opted-in ones run the check."""
    shared = tmp_path / "team-hooks"
    git(repo, "config", "core.hooksPath", str(shared))
    install_pre_push_hook(repo)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(pushable), str(other))
    git(other, "config", "core.hooksPath", str(shared))
    git(other, "switch", "-q", "-c", "feat/other")
    fake_devkit.exit_with(1)
    assert push(other).returncode == 0  # never opted in: the shared hook lets it through
    assert fake_devkit.calls() == []
    assert push(repo).returncode != 0
    assert len(fake_devkit.calls()) == 1
    step = GitHookStep(other)
    assert step.describe() == [
        f"enable the pre-push hook at {shared / 'pre-push'} for this repository (devkit.prepush)"
    ]
    step.run(StepContext("hooks", lambda _e: None))
    assert push(other).returncode != 0


def test_uninstall_turns_the_check_off(repo: Path, git: Git, fake_devkit: FakeDevkit) -> None:
    install_pre_push_hook(repo)
    assert git(repo, "config", "--get", "devkit.prepush").strip() == "true"
    uninstall_pre_push_hook(repo)
    assert git(repo, "config", "--get", "devkit.prepush", check=False) == ""
