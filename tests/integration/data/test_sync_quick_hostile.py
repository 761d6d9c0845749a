"""The no-op record (devkit.data.quick) against hostile or changed surroundings: whatever makes
the full run refuse or fail makes the record not answer (nothing listed), the caller's own keys
are never written, and no input makes the command crash where the full run would not."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devkit import safefs
from devkit.data import guard
from support.proxy import LoopbackProxy

from .conftest import MotoIAM, make_workspace
from .test_sync_quick import PREFIX, Runs, settle, sync
from .test_sync_s3 import run_devkit

pytestmark = pytest.mark.s3

PROD_EVERYTHING = (
    "environments:\n"
    "  dev: {accounts: [], buckets: ['nothing-*']}\n"
    "  staging: {accounts: [], buckets: []}\n"
    "  prod: {accounts: ['123456789012'], buckets: ['acme-ml-*']}\n"
)


def objects(moto_iam: MotoIAM, tmp_path: Path) -> str:
    prefix = PREFIX + tmp_path.name + "/"
    for name in ("a.parquet", "b.parquet", "part/c.parquet"):
        moto_iam.put(prefix + name, f"quick {name}".encode() * 50)
    return prefix


def full_and_quick_agree(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, mp: Any, capsys: Any, code: int
) -> None:
    """The next sync is not answered from the record, and ends as the full run does (``code``,
    nothing listed when it refuses)."""
    runs = Runs(mp)
    got, _, requests = sync(moto_iam, s3_proxy, ws, mp, capsys)
    assert runs.full == 1 and got == code
    if code == 4:
        assert requests == Counter()


def test_the_callers_own_keys_are_never_written(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, memo_cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """A profile without a role reads with the caller's keys; the guard's memo_cache keeps only a
    hash of them, and so does the record (the policy simulator is stubbed: moto has none)."""
    ws = make_workspace(tmp_path / "ws", None, prefix=objects(moto_iam, tmp_path))
    monkeypatch.setattr(
        guard, "prove_read_only", lambda *a, **k: ["conditional PutObject denied", "simulated"]
    )
    key = moto_iam.elsewhere_writer
    env = {**moto_iam.env(key), "AWS_ENDPOINT_URL": s3_proxy.url}
    args = ["sync-data", "--profile", "sample", "--workspace", str(ws.root)]
    for _ in range(2):
        assert run_devkit(monkeypatch, capsys, env, *args)[0] == 0
    records = list((memo_cache / "sync").iterdir())
    assert records, "the runs are recorded"
    for found in [*records, *(memo_cache / "guard").iterdir()]:
        assert key.secret_access_key.encode() not in found.read_bytes()
    runs = Runs(monkeypatch)
    assert run_devkit(monkeypatch, capsys, env, *args)[0] == 0 and runs.full == 0


def test_a_repository_appearing_above_a_folder_without_one(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, memo_cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    outer = tmp_path / "outer"
    ws = make_workspace(outer / "ws", moto_iam.readonly_role, prefix=objects(moto_iam, tmp_path))
    shutil.rmtree(ws.root / ".git")  # the folder itself is the workspace
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    subprocess.run(["git", "init", "-q", str(outer)], check=True)  # now the parent is
    shutil.copytree(ws.root / ".devkit" / "profiles", outer / ".devkit" / "profiles")
    (outer / ".devkit" / "environments.yaml").write_text(PROD_EVERYTHING)
    full_and_quick_agree(moto_iam, s3_proxy, ws, monkeypatch, capsys, 4)


@pytest.mark.parametrize("how", ["rewritten", "same size and mtime"])
def test_an_environments_map_behind_the_users_symlink_marked_prod(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, memo_cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any, how: str,
) -> None:  # fmt: skip
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=objects(moto_iam, tmp_path))
    envs = ws.root / ".devkit" / "environments.yaml"
    shared = tmp_path / "company-environments.yaml"
    shared.write_text(envs.read_text())
    envs.unlink()
    envs.symlink_to(shared)  # not tracked: the full run follows it
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    text = shared.read_text()
    if how == "rewritten":
        shared.write_text(text.replace("acme-ml-prod-*", "acme-ml-*"))
    else:
        before = shared.stat()
        edited = text.replace("acme-ml-prod-*", "acme-ml-d*v-**")  # same length
        assert len(edited) == len(text)
        with open(shared, "r+") as handle:  # in place: the same inode
            handle.write(edited)
        os.utime(shared, ns=(before.st_atime_ns, before.st_mtime_ns))
    full_and_quick_agree(moto_iam, s3_proxy, ws, monkeypatch, capsys, 4)


def test_a_symlink_becoming_tracked_in_a_worktree(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, memo_cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """In a worktree ``.git`` is a file and the index lives elsewhere: 'git add' turns a
    followed symlink into a refused one."""
    main = tmp_path / "main"
    subprocess.run(["git", "init", "-q", str(main)], check=True)
    subprocess.run(["git", "-C", str(main), "-c", "user.name=x", "-c", "user.email=x@x",
                    "commit", "-q", "--allow-empty", "-m", "init"], check=True)  # fmt: skip
    tree = tmp_path / "ws"
    subprocess.run(["git", "-C", str(main), "worktree", "add", "-q", str(tree)], check=True)
    ws = make_workspace(tree, moto_iam.readonly_role, prefix=objects(moto_iam, tmp_path))
    assert (tree / ".git").is_file()
    envs = tree / ".devkit" / "environments.yaml"
    shared = tmp_path / "company-environments.yaml"
    shared.write_text(envs.read_text())
    envs.unlink()
    envs.symlink_to(shared)
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    subprocess.run(["git", "-C", str(tree), "add", "-f", ".devkit/environments.yaml"], check=True)
    safefs._tracked_cache.clear()  # per process: these runs share one
    full_and_quick_agree(moto_iam, s3_proxy, ws, monkeypatch, capsys, 4)


def test_a_committed_profiles_loop_is_refused_not_a_crash(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, memo_cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=objects(moto_iam, tmp_path))
    profiles = ws.root / ".devkit" / "profiles"
    shutil.rmtree(profiles)
    profiles.symlink_to("profiles")  # itself: ELOOP
    subprocess.run(["git", "-C", str(ws.root), "add", "-f", ".devkit/profiles"], check=True)
    codes = []
    for memo in ("0", "1"):
        monkeypatch.setenv("DEVKIT_SYNC_MEMO", memo)
        codes.append(sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0])
    assert codes[0] == codes[1] != 70


def test_a_workspace_moved_away_or_a_removed_working_folder_is_not_a_crash(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, memo_cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=objects(moto_iam, tmp_path))
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    ws.root.rename(tmp_path / "moved")
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 2  # no such workspace
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    code = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0]
    assert code == 2


@pytest.mark.parametrize("change", ["environments marked prod", "guard entry gone"])
def test_a_listing_is_started_ahead_only_after_every_check_that_decides_what_is_allowed(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, memo_cache: Path, tmp_path: Path, monkeypatch: Any,
    capsys: Any, change: str,
) -> None:  # fmt: skip
    """An emptied dataset folder starts the full run's listing early (not a no-op) — but only
    once the configuration and the guard's cached entry were found unchanged: with the bucket
    now marked prod, nothing at all is sent; with the guard's entry gone, the full guard runs
    and lists for itself, once."""
    ws = make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=objects(moto_iam, tmp_path))
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    if change == "environments marked prod":
        (ws.root / ".devkit" / "environments.yaml").write_text(PROD_EVERYTHING)
    else:
        for entry in (memo_cache / "guard").iterdir():
            entry.unlink()
    shutil.rmtree(ws.dest())
    if change == "environments marked prod":
        full_and_quick_agree(moto_iam, s3_proxy, ws, monkeypatch, capsys, 4)
        return
    runs = Runs(monkeypatch)
    code, _, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1
    listings = [path for _, path in s3_proxy.requests if "list-type=2" in path]
    assert len(listings) == 1
