"""FeatureBranchStep on real repositories: create, switch, carry or refuse local work."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devkit.config.model import BranchPolicy
from devkit.core.errors import ConfigError, ExitCode
from devkit.core.events import Event, Log
from devkit.core.plan import CancelledError, Plan, StepContext, run_plan
from devkit.init.branch import FeatureBranchStep, branch_info

Git = Callable[..., str]
Commit = Callable[[Path, str, str, str], str]
POLICY = BranchPolicy(pattern=r"^(feat|fix)/[a-z0-9][a-z0-9._-]*$", base="main")


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    @property
    def logs(self) -> list[str]:
        return [e.line for e in self.events if isinstance(e, Log)]


def run_step(step: FeatureBranchStep) -> tuple[dict[str, object], Recorder]:
    rec = Recorder()
    result = step.run(StepContext(step.id, rec))
    return result.data, rec


def head(git: Git, root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def current(git: Git, root: Path) -> str:
    return git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()


def branches(git: Git, root: Path) -> list[str]:
    return git(root, "for-each-ref", "--format=%(refname)", "refs/heads").split()


def snapshot(git: Git, root: Path) -> dict[str, object]:
    """Everything a refused switch must leave alone: refs, HEAD, index and every file's bytes."""
    files = {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
    return {
        "branches": branches(git, root),
        "head": git(root, "symbolic-ref", "-q", "HEAD", check=False).strip(),
        "commit": head(git, root),
        "index": git(root, "ls-files", "-s"),
        "staged": git(root, "diff", "--cached", "--name-status"),
        "files": files,
    }


def with_remote(tmp_path: Path, repo: Path, git: Git) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "fetch", "-q", "origin")
    return remote


def push_from_elsewhere(tmp_path: Path, remote: Path, git: Git, commit: Commit) -> str:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    commit(other, "upstream.txt", "from a teammate\n", "teammate 1")
    sha = commit(other, "src/app.py", "print('teammate')\n", "teammate 2")
    git(other, "push", "-q", "origin", "main")
    return sha


# --- creating and switching ------------------------------------------------------------


def test_create_from_local_main(repo: Path, git: Git) -> None:
    main_sha = head(git, repo)
    step = FeatureBranchStep(repo, "feat/login", POLICY)
    assert step.describe() == ["create feat/login from main"]
    assert not step.is_done()
    data, _ = run_step(step)
    assert data == {"branch": "feat/login", "action": "create", "from": "main"}
    assert current(git, repo) == "feat/login"
    assert head(git, repo) == main_sha
    assert step.is_done()
    assert step.describe() == []
    # A new feature branch must not track main: pushing it must never update main.
    assert git(repo, "config", "--get", "branch.feat/login.merge", check=False) == ""


def test_create_from_origin_main_when_remote_is_ahead(
    tmp_path: Path, repo: Path, git: Git, commit: Commit
) -> None:
    remote = with_remote(tmp_path, repo, git)
    upstream = push_from_elsewhere(tmp_path, remote, git, commit)
    local_main = head(git, repo)
    step = FeatureBranchStep(repo, "feat/x", POLICY)
    assert step.describe() == ["create feat/x from origin/main (after 'git fetch origin main')"]
    data, rec = run_step(step)
    assert data["from"] == "origin/main"
    assert head(git, repo) == upstream
    assert git(repo, "rev-parse", "main").strip() == local_main  # local main untouched
    assert any("fetching main from origin" in line for line in rec.logs)


def test_failed_fetch_is_logged_and_falls_back_to_local_main(repo: Path, git: Git) -> None:
    git(repo, "remote", "add", "origin", str(repo.parent / "no-such-remote.git"))
    data, rec = run_step(FeatureBranchStep(repo, "feat/x", POLICY))
    assert data["from"] == "main"
    assert any("could not fetch main from origin" in line for line in rec.logs)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_hanging_fetch_times_out_and_falls_back(repo: Path, git: Git, silent_server: int) -> None:
    git(repo, "remote", "add", "origin", f"git://127.0.0.1:{silent_server}/repo.git")
    step = FeatureBranchStep(repo, "feat/x", POLICY, fetch_timeout=1.0)
    data, rec = run_step(step)
    assert data["from"] == "main"
    assert current(git, repo) == "feat/x"
    assert any("could not fetch main" in line for line in rec.logs)


@pytest.mark.timeout(30)
def test_hanging_fetch_helper_processes_are_killed_too(repo: Path, git: Git) -> None:
    """A transport that runs a child process (like ssh does) and never answers."""
    git(repo, "config", "protocol.ext.allow", "always")
    git(repo, "remote", "add", "origin", "ext::sh -c 'sleep 25'")
    step = FeatureBranchStep(repo, "feat/x", POLICY, fetch_timeout=1.0)
    data, rec = run_step(step)
    assert data["from"] == "main"
    assert any("could not fetch main" in line for line in rec.logs)


@pytest.mark.timeout(30)
def test_cancel_during_a_hanging_fetch_stops_at_once(
    repo: Path, git: Git, silent_server: int
) -> None:
    git(repo, "remote", "add", "origin", f"git://127.0.0.1:{silent_server}/repo.git")
    step = FeatureBranchStep(repo, "feat/x", POLICY, fetch_timeout=25.0)
    ctx = StepContext(step.id, Recorder())
    timer = threading.Timer(0.5, ctx.cancel.set)
    timer.start()
    with pytest.raises(CancelledError):
        step.run(ctx)
    timer.cancel()
    assert branches(git, repo) == ["refs/heads/main"]
    assert current(git, repo) == "main"


def test_no_fetch_uses_local_main(tmp_path: Path, repo: Path, git: Git, commit: Commit) -> None:
    remote = with_remote(tmp_path, repo, git)
    push_from_elsewhere(tmp_path, remote, git, commit)
    local_main = head(git, repo)
    data, rec = run_step(FeatureBranchStep(repo, "feat/x", POLICY, fetch=False))
    assert data["from"] == "main"
    assert head(git, repo) == local_main
    assert not any("fetch" in line for line in rec.logs)


def test_switch_to_existing_branch(repo: Path, git: Git, commit: Commit) -> None:
    git(repo, "switch", "-q", "-c", "feat/old")
    sha = commit(repo, "feature.txt", "work\n", "feature work")
    git(repo, "switch", "-q", "main")
    step = FeatureBranchStep(repo, "feat/old", POLICY)
    assert step.describe() == ["switch to existing feat/old"]
    data, rec = run_step(step)
    assert data == {"branch": "feat/old", "action": "switch"}
    assert head(git, repo) == sha
    assert not any("fetch" in line for line in rec.logs)


def test_switch_does_not_touch_the_network(repo: Path, git: Git) -> None:
    git(repo, "branch", "feat/old")
    git(repo, "remote", "add", "origin", str(repo.parent / "unreachable.git"))
    data, rec = run_step(FeatureBranchStep(repo, "feat/old", POLICY))
    assert data["action"] == "switch"
    assert rec.logs == ["switched to feat/old; local changes carried across"]


def test_branch_only_on_remote_is_tracked(
    tmp_path: Path, repo: Path, git: Git, commit: Commit
) -> None:
    git(repo, "switch", "-q", "-c", "feat/shared")
    sha = commit(repo, "shared.txt", "s\n", "shared")
    git(repo, "switch", "-q", "main")
    with_remote(tmp_path, repo, git)
    git(repo, "branch", "-q", "-D", "feat/shared")
    data, _ = run_step(FeatureBranchStep(repo, "feat/shared", POLICY))
    assert data["from"] == "origin/feat/shared"
    assert head(git, repo) == sha
    assert git(repo, "config", "branch.feat/shared.merge").strip() == "refs/heads/feat/shared"


def test_second_run_is_a_no_op(repo: Path, git: Git) -> None:
    plan = Plan("init", [FeatureBranchStep(repo, "feat/x", POLICY)])
    first = run_plan(plan, Recorder())
    second = run_plan(plan, Recorder())
    assert (first.changed, first.skipped) == (1, 0)
    assert (second.changed, second.skipped) == (0, 1)


# --- local work -------------------------------------------------------------------------


def make_dirty(repo: Path, git: Git) -> None:
    (repo / "README.md").write_text("staged edit\n")
    git(repo, "add", "README.md")
    (repo / "README.md").write_text("staged edit\nplus unstaged\n")
    (repo / "src" / "app.py").write_text("print('unstaged')\n")
    (repo / "new_staged.py").write_text("x = 1\n")
    git(repo, "add", "new_staged.py")
    (repo / "notes.txt").write_text("untracked\n")
    (repo / "scratch").mkdir()
    (repo / "scratch" / "deep.txt").write_text("untracked too\n")


def assert_dirty_state(repo: Path, git: Git) -> None:
    assert (repo / "README.md").read_text() == "staged edit\nplus unstaged\n"
    assert (repo / "src" / "app.py").read_text() == "print('unstaged')\n"
    assert (repo / "new_staged.py").read_text() == "x = 1\n"
    assert (repo / "notes.txt").read_text() == "untracked\n"
    assert (repo / "scratch" / "deep.txt").read_text() == "untracked too\n"
    assert git(repo, "diff", "--cached", "--name-status").split("\n") == [
        "M\tREADME.md",
        "A\tnew_staged.py",
        "",
    ]
    assert git(repo, "show", ":README.md") == "staged edit\n"  # the staged version itself
    assert git(repo, "diff", "--name-only").split() == ["README.md", "src/app.py"]
    assert git(repo, "ls-files", "--others").split() == ["notes.txt", "scratch/deep.txt"]


def test_dirty_tree_survives_create(repo: Path, git: Git) -> None:
    make_dirty(repo, git)
    run_step(FeatureBranchStep(repo, "feat/dirty", POLICY))
    assert current(git, repo) == "feat/dirty"
    assert_dirty_state(repo, git)


def test_dirty_tree_survives_switch(repo: Path, git: Git, commit: Commit) -> None:
    git(repo, "switch", "-q", "-c", "feat/other")
    commit(repo, "docs/other.md", "elsewhere\n", "unrelated change")
    git(repo, "switch", "-q", "main")
    make_dirty(repo, git)
    run_step(FeatureBranchStep(repo, "feat/other", POLICY))
    assert current(git, repo) == "feat/other"
    assert (repo / "docs" / "other.md").read_text() == "elsewhere\n"
    assert_dirty_state(repo, git)


def test_conflicting_change_stops_before_anything_changes(
    repo: Path, git: Git, commit: Commit
) -> None:
    git(repo, "switch", "-q", "-c", "feat/other")
    commit(repo, "src/app.py", "print('other')\n", "other")
    commit(repo, "added.txt", "tracked there\n", "add")
    git(repo, "switch", "-q", "main")
    (repo / "src" / "app.py").write_text("print('mine')\n")
    (repo / "added.txt").write_text("my untracked notes\n")
    (repo / "keep.txt").write_text("unrelated\n")
    before = snapshot(git, repo)
    with pytest.raises(ConfigError) as info:
        run_step(FeatureBranchStep(repo, "feat/other", POLICY))
    assert info.value.code == ExitCode.BAD_INPUT
    assert "src/app.py (uncommitted change)" in info.value.what
    assert "added.txt (untracked file)" in info.value.what
    assert "commit or stash" in info.value.hint
    assert snapshot(git, repo) == before


def test_ignored_file_git_would_overwrite_is_a_conflict(
    repo: Path, git: Git, commit: Commit
) -> None:
    commit(repo, ".gitignore", ".env\n", "ignore .env")
    git(repo, "switch", "-q", "-c", "feat/env")
    (repo / ".env").write_text("TEAM=1\n")
    git(repo, "add", "-f", ".env")
    git(repo, "commit", "-q", "-m", "track a team .env")
    git(repo, "switch", "-q", "main")
    (repo / ".env").write_text("MY_TOKEN=do-not-lose\n")
    before = snapshot(git, repo)
    with pytest.raises(ConfigError, match=r"\.env \(ignored file"):
        run_step(FeatureBranchStep(repo, "feat/env", POLICY))
    assert snapshot(git, repo) == before


def test_conflict_on_create_leaves_no_branch(
    tmp_path: Path, repo: Path, git: Git, commit: Commit
) -> None:
    remote = with_remote(tmp_path, repo, git)
    push_from_elsewhere(tmp_path, remote, git, commit)  # changes src/app.py upstream
    (repo / "src" / "app.py").write_text("print('my edit')\n")
    before = snapshot(git, repo)
    with pytest.raises(ConfigError, match=r"src/app.py \(uncommitted change\)"):
        run_step(FeatureBranchStep(repo, "feat/x", POLICY))
    after = snapshot(git, repo)
    assert after == before
    assert "refs/heads/feat/x" not in after["branches"]  # type: ignore[operator]


def test_untracked_file_blocking_a_new_folder(repo: Path, git: Git, commit: Commit) -> None:
    git(repo, "switch", "-q", "-c", "feat/dir")
    commit(repo, "data/schema.json", "{}\n", "add a folder")
    git(repo, "switch", "-q", "main")
    (repo / "data").write_text("an untracked file where a folder comes\n")
    with pytest.raises(ConfigError, match=r"data \(untracked file\)"):
        run_step(FeatureBranchStep(repo, "feat/dir", POLICY))
    assert current(git, repo) == "main"


def test_failed_checkout_deletes_the_branch_it_created(repo: Path, git: Git) -> None:
    """A held index lock lets 'git branch' succeed and makes 'git checkout' fail."""
    lock = repo / ".git" / "index.lock"
    lock.write_text("")
    rec = Recorder()
    try:
        with pytest.raises(ConfigError, match=r"index\.lock"):
            FeatureBranchStep(repo, "feat/x", POLICY).run(StepContext("branch", rec))
    finally:
        lock.unlink()
    assert branches(git, repo) == ["refs/heads/main"]
    assert current(git, repo) == "main"
    assert any("removed feat/x again" in line for line in rec.logs)


# --- unusual starting points ------------------------------------------------------------


def test_from_detached_head(repo: Path, git: Git) -> None:
    main_sha = head(git, repo)
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    (repo / "README.md").write_text("edited while detached\n")
    run_step(FeatureBranchStep(repo, "feat/x", POLICY))
    assert current(git, repo) == "feat/x"
    assert head(git, repo) == main_sha
    assert (repo / "README.md").read_text() == "edited while detached\n"


def test_single_commit_repo(tmp_path: Path, git: Git, commit: Commit) -> None:
    root = tmp_path / "one"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    sha = commit(root, "README.md", "one\n", "only commit")
    run_step(FeatureBranchStep(root, "feat/x", POLICY))
    assert current(git, root) == "feat/x"
    assert head(git, root) == sha


def test_repo_without_commits_is_a_clear_error(tmp_path: Path, git: Git) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "work.txt").write_text("precious\n")
    with pytest.raises(ConfigError, match="has no commits yet") as info:
        run_step(FeatureBranchStep(root, "feat/x", POLICY))
    assert "git commit --allow-empty" in info.value.hint
    assert branches(git, root) == []
    assert (root / "work.txt").read_text() == "precious\n"


def test_missing_base_lists_branches(repo: Path, git: Git) -> None:
    git(repo, "branch", "release")
    policy = BranchPolicy(pattern=POLICY.pattern, base="develop")
    with pytest.raises(ConfigError) as info:
        run_step(FeatureBranchStep(repo, "feat/x", policy))
    assert "base branch 'develop' not found" in info.value.what
    assert "main, release" in info.value.what
    assert "branch.base" in info.value.hint
    assert "refs/heads/feat/x" not in branches(git, repo)


def test_in_a_linked_worktree(tmp_path: Path, repo: Path, git: Git) -> None:
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "--detach", str(wt))
    (wt / "README.md").write_text("worktree edit\n")
    run_step(FeatureBranchStep(wt, "feat/in-wt", POLICY))
    assert current(git, wt) == "feat/in-wt"
    assert current(git, repo) == "main"
    assert (wt / "README.md").read_text() == "worktree edit\n"


def test_branch_checked_out_in_another_worktree(tmp_path: Path, repo: Path, git: Git) -> None:
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feat/taken", str(wt))
    with pytest.raises(ConfigError, match="already checked out in the worktree"):
        run_step(FeatureBranchStep(repo, "feat/taken", POLICY))
    assert current(git, repo) == "main"


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["feat/a..b", "feat/x.lock", "-feat/x", "feat//x", "feat/x/", "feat/a b", "wip", ""]
)
def test_invalid_name_is_exit_2_and_creates_nothing(repo: Path, git: Git, name: str) -> None:
    before = branches(git, repo)
    with pytest.raises(ConfigError) as info:
        step = FeatureBranchStep(repo, name, POLICY)
        run_step(step)
    assert info.value.code == ExitCode.BAD_INPUT == 2
    assert "e.g. 'feat/" in info.value.what
    assert branches(git, repo) == before
    assert current(git, repo) == "main"


def test_branch_info(tmp_path: Path, repo: Path, git: Git) -> None:
    git(repo, "branch", "feat/local")
    info = branch_info(repo, "feat/local", POLICY)
    assert info["valid"] and info["exists_locally"] and not info["exists_remotely"]
    assert (info["action"], info["start"]) == ("switch", "feat/local")
    assert info.exists and str(info) == "local branch"
    fresh = branch_info(repo, "feat/new", POLICY)
    assert (fresh["action"], fresh["start"], fresh["has_remote"]) == ("create", "main", False)
    assert not fresh.exists and str(fresh) == "from main"
    with_remote(tmp_path, repo, git)
    remote_info = branch_info(repo, "feat/new", POLICY)
    assert (remote_info["start"], remote_info["has_remote"]) == ("origin/main", True)
    bad = branch_info(repo, "Feat/Bad Name", POLICY)
    assert not bad["valid"]
    assert len(bad["problems"]) == 2  # the space, and the pattern
    assert bad["suggestion"] == "feat/bad-name"
