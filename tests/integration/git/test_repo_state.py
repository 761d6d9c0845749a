"""repo_state and tracked_files on real repositories with constructed histories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devkit.git.state import repo_state, tracked_files

Commit = Callable[[Path, str, str, str], str]


def test_clean_repo_on_base(repo: Path, git: Callable[..., str]) -> None:
    state = repo_state(repo, "main")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert state.branch == "main"
    assert state.commit == head
    assert state.base_ref == "main"
    assert state.merge_base == head
    assert (state.behind, state.ahead) == (0, 0)
    assert state.dirty is False
    assert state.untracked == 0
    assert state.clean
    assert state.is_worktree is False


def test_behind_and_ahead_counts(repo: Path, git: Callable[..., str], commit: Commit) -> None:
    fork = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "switch", "-q", "-c", "feat/x")
    commit(repo, "a.txt", "a", "a")
    commit(repo, "b.txt", "b", "b")
    git(repo, "switch", "-q", "main")
    for name in ("c", "d", "e"):
        commit(repo, f"{name}.txt", name, name)
    git(repo, "switch", "-q", "feat/x")
    state = repo_state(repo, "main")
    assert state.branch == "feat/x"
    assert (state.behind, state.ahead) == (3, 2)
    assert state.merge_base == fork


def test_dirty_and_untracked(repo: Path) -> None:
    (repo / "README.md").write_text("changed\n")
    (repo / "new").mkdir()
    (repo / "new" / "one.txt").write_text("1")
    (repo / "new" / "two.txt").write_text("2")
    (repo / "three.txt").write_text("3")
    state = repo_state(repo, "main")
    assert state.dirty is True
    assert state.untracked == 2  # new/ (a folder of untracked files counts once), three.txt
    assert not state.clean


def test_staged_rename_is_dirty(repo: Path, git: Callable[..., str]) -> None:
    git(repo, "mv", "README.md", "READ.md")
    state = repo_state(repo, "main")
    assert state.dirty is True
    assert state.untracked == 0


def test_untracked_only_is_not_dirty(repo: Path) -> None:
    (repo / "scratch.txt").write_text("x")
    state = repo_state(repo, "main")
    assert state.dirty is False
    assert state.untracked == 1


def test_prefers_remote_tracking_base(
    tmp_path: Path, repo: Path, git: Callable[..., str], commit: Commit
) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    commit(other, "up1.txt", "1", "up1")
    commit(other, "up2.txt", "2", "up2")
    git(other, "push", "-q", "origin", "main")
    git(repo, "fetch", "-q", "origin")
    state = repo_state(repo, "main")
    assert state.base_ref == "origin/main"
    assert (state.behind, state.ahead) == (2, 0)


def test_detached_head(repo: Path, git: Callable[..., str]) -> None:
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    state = repo_state(repo, "main")
    assert state.branch is None
    assert (state.behind, state.ahead) == (1, 0)


def test_missing_base(repo: Path) -> None:
    state = repo_state(repo, "develop")
    assert state.base_ref is None
    assert state.merge_base is None
    assert (state.behind, state.ahead) == (0, 0)


def test_no_commits(tmp_path: Path, git: Callable[..., str]) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "f.txt").write_text("x")
    state = repo_state(root, "main")
    assert state.commit is None
    assert state.branch == "main"
    assert state.untracked == 1


def test_unrelated_histories_have_no_merge_base(
    repo: Path, git: Callable[..., str], commit: Commit
) -> None:
    git(repo, "switch", "-q", "--orphan", "island")
    commit(repo, "island.txt", "i", "island")
    state = repo_state(repo, "main")
    assert state.merge_base is None
    assert (state.behind, state.ahead) == (2, 1)


def test_linked_worktree(tmp_path: Path, repo: Path, git: Callable[..., str]) -> None:
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feat/wt", str(wt))
    state = repo_state(wt, "main")
    assert state.is_worktree is True
    assert state.branch == "feat/wt"
    assert repo_state(repo, "main").is_worktree is False


def test_tracked_files(repo: Path) -> None:
    (repo / "untracked.txt").write_text("u")
    (repo / "sp ace é.txt").write_text("s")
    assert tracked_files(repo) == ["README.md", "src/app.py"]


def test_tracked_files_with_odd_names(repo: Path, git: Callable[..., str]) -> None:
    (repo / "sp ace é.txt").write_text("s")
    git(repo, "add", ".")
    assert "sp ace é.txt" in tracked_files(repo)


def test_not_a_repository(tmp_path: Path, isolated_git: Path) -> None:
    import pytest

    from devkit.core.errors import ConfigError

    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ConfigError, match="not a git repository"):
        repo_state(plain, "main")


def test_repo_owned_by_someone_else_is_a_clear_not_ready_error(
    repo: Path, isolated_git: Path
) -> None:
    """What happens in a container whose user does not own the mounted workspace."""
    import os

    import pytest

    from devkit.core.errors import NotReadyError

    if os.geteuid() != 0:
        pytest.skip("needs root to hand the repository to another user")
    for folder, dirs, files in os.walk(repo):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), 4242, 4242)
    os.lchown(repo, 4242, 4242)
    with pytest.raises(NotReadyError, match="belongs to another user") as info:
        repo_state(repo, "main")
    assert "safe.directory" in info.value.hint


def test_worktree_without_its_main_repository(
    tmp_path: Path, repo: Path, git: Callable[..., str]
) -> None:
    """A linked worktree mounted alone (as in a container) gets a clear error, not a riddle."""
    import shutil

    import pytest

    from devkit.core.errors import NotReadyError

    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feat/alone", str(wt))
    alone = tmp_path / "mounted"
    shutil.copytree(wt, alone)
    shutil.rmtree(repo / ".git" / "worktrees")
    with pytest.raises(NotReadyError, match="linked git worktree") as info:
        repo_state(alone, "main")
    assert "main repository" in info.value.hint
