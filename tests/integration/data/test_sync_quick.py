"""A no-op sync answered from the record of the last one (devkit.data.quick), against moto with
IAM enforcement: it reports what the full run reports, through the same views; anything its
outcome depends on that changed makes the full run answer (which sees the change); a record
that is not private, or a workspace another devkit holds, is never answered from."""

from __future__ import annotations

import fcntl
import marshal
import os
import shutil
import stat
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devkit.commands import sync_data
from devkit.data import aws_fast
from devkit.data.quick import folder as record_folder
from support.proxy import LoopbackProxy

from .conftest import MotoIAM, make_workspace
from .test_sync_s3 import logs, run_devkit, step_done

pytestmark = pytest.mark.s3

PREFIX = "data-tests/quick/"


@pytest.fixture(autouse=True)
def no_listing_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """Listings handed to a later listing live in the process: none crosses a test."""
    monkeypatch.setattr(aws_fast, "_AHEAD", {})


@pytest.fixture
def ws(moto_iam: MotoIAM, tmp_path: Path) -> Any:
    """A workspace on a prefix of its own, with files in a subfolder too."""
    prefix = PREFIX + tmp_path.name + "/"
    for name in ("a.parquet", "b.parquet", "part/c.parquet"):
        moto_iam.put(prefix + name, f"quick {name}".encode() * 50)
    return make_workspace(tmp_path / "ws", moto_iam.readonly_role, prefix=prefix)


class Runs:
    """How each sync was answered: ``full`` counts the full runs (the command's handler)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.full = 0
        real = sync_data.run

        def counted(args: Any) -> int:
            self.full += 1
            return real(args)

        monkeypatch.setattr(sync_data, "run", counted)


def sync(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, mp: Any, capsys: Any, *extra: str
) -> tuple[int, list[dict[str, Any]], Counter[str]]:
    s3_proxy.requests.clear()
    env = {**moto_iam.env(moto_iam.dev_key), "AWS_ENDPOINT_URL": s3_proxy.url}
    args = ["sync-data", "--profile", "sample", "--workspace", str(ws.root), *extra]
    code, events, _ = run_devkit(mp, capsys, env, *args)
    return code, events, Counter(method for method, _ in s3_proxy.requests)


def settle(moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, mp: Any, capsys: Any) -> None:
    """The day's first sync (the full guard), then, its record removed, one through the fast
    lane (recorded): the record under test is a fast-lane run's."""
    for fetched in (3, 0):
        for record in Path(record_folder()).glob("*.rec"):
            record.unlink()
        code, events, _ = sync(moto_iam, s3_proxy, ws, mp, capsys)
        assert code == 0 and step_done(events)["data"]["fetched"] == fetched
    assert any(Path(record_folder()).glob("*.rec"))


def comparable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "seconds"} for e in events]


def test_a_no_op_is_answered_from_the_record_as_the_full_run_answers_it(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    monkeypatch.setenv("DEVKIT_SYNC_MEMO", "0")
    code, full, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1
    monkeypatch.delenv("DEVKIT_SYNC_MEMO")
    for folder in (ws.root, ws.root.parent, ws.dest().parent):  # other files come and go
        (folder / "unrelated.txt").write_text("x")
    code, quick, requests = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1  # answered before the command line was parsed
    assert requests == Counter({"GET": 1})  # the one listing
    assert comparable(quick) == comparable(full)
    assert (
        step_done(quick)["summary"] == "3 of 3 objects selected: 0 fetched (0.0 MiB), 3 up to date"
    )

    (record,) = (memo_cache / "sync").iterdir()
    assert stat.S_IMODE((memo_cache / "sync").stat().st_mode) == 0o700
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    # Its mtime is when its guard entry expires (pruning reads no record).
    expires = marshal.loads(record.read_bytes())["lane"]["expires"]
    assert record.stat().st_mtime == pytest.approx(expires) and expires > time.time()
    assert moto_iam.dev_key.secret_access_key.encode() not in record.read_bytes()


def test_the_days_first_sync_is_recorded_with_the_line_its_next_run_reports(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """The full guard has just stored its verdict: the next no-op is answered from the first
    sync's record, and reports what a run from that cached verdict reports."""
    code, first, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and step_done(first)["data"]["fetched"] == 3
    assert not any("verdict cached" in line for line in logs(first))  # the full guard ran
    runs = Runs(monkeypatch)
    monkeypatch.setenv("DEVKIT_SYNC_MEMO", "0")
    code, full, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1
    monkeypatch.delenv("DEVKIT_SYNC_MEMO")
    code, quick, requests = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1 and requests == Counter({"GET": 1})
    assert comparable(quick) == comparable(full)
    assert any("verdict cached until" in line for line in logs(quick))


def test_a_first_sync_whose_next_run_would_not_take_the_fast_lane_is_not_recorded(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any, tmp_path: Path,
) -> None:  # fmt: skip
    """The region only in the AWS config file: the fast lane does not read that file, so the
    next run answers through botocore, and no record of the first claims otherwise."""
    profile = ws.root / ".devkit" / "profiles" / "sample.yaml"
    profile.write_text(profile.read_text().replace("    region: eu-west-1\n", ""))
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = eu-west-1\n")
    env = {**moto_iam.env(moto_iam.dev_key), "AWS_ENDPOINT_URL": s3_proxy.url,
           "AWS_CONFIG_FILE": str(config)}  # fmt: skip
    del env["AWS_DEFAULT_REGION"], env["AWS_REGION"]
    args = ["sync-data", "--profile", "sample", "--workspace", str(ws.root)]
    runs = Runs(monkeypatch)
    for fetched in (3, 0):
        code, events, _ = run_devkit(monkeypatch, capsys, env, *args)
        assert code == 0 and step_done(events)["data"]["fetched"] == fetched
    assert runs.full == 2
    assert not any((memo_cache / "sync").glob("*.rec"))


def test_the_console_view_prints_the_same_lines(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, tmp_path: Path
) -> None:
    """Through the installed command, in a child process, as a user runs it; and what the
    answer imports once devkit starts (each run lists its imports on stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEVKIT_"))}
    env.update(moto_iam.env(moto_iam.dev_key), AWS_ENDPOINT_URL=s3_proxy.url)
    env.update(DEVKIT_CACHE_DIR=str(memo_cache), PYTHONPROFILEIMPORTTIME="1")
    command = Path(sys.executable).parent / "devkit"
    argv = [str(command), "sync-data", "--profile", "sample", "--workspace", str(ws.root)]
    imported: list[str] = []

    def run(**extra: str) -> list[str]:
        done = subprocess.run(argv, env={**env, **extra}, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        names = [line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                 if line.startswith("import time:") and "|" in line]  # fmt: skip
        start = next(i for i, name in enumerate(names) if name.startswith("devkit"))
        imported[:] = names[start:]
        return [line for line in done.stdout.splitlines() if not line.startswith("Done in")]

    run()  # the full guard (recorded)
    full = run(DEVKIT_SYNC_MEMO="0")
    assert "argparse" in imported
    # The full run is a sync from S3: it starts no program and generates nothing; its profile,
    # plan and guard are records (devkit.core.records), not dataclasses (which load inspect);
    # with every file current it hashes no file, and names and cache keys are hashed without
    # OpenSSL (devkit.digest): hashlib loads libcrypto, milliseconds of every sync.
    slow = {"subprocess", "devkit.data.synthetic", "pyarrow", "botocore", "dataclasses", "inspect"}
    slow |= {"hashlib", "_hashlib"}
    assert not slow & set(imported)
    assert run() == full
    assert full[-1].endswith("3 of 3 objects selected: 0 fetched (0.0 MiB), 3 up to date")
    # The answer is all start-up: none of these (each costs milliseconds) once devkit runs.
    heavy = {"re", "enum", "socket", "collections", "typing", "dataclasses", "pathlib",
             "json", "argparse", "subprocess", "hashlib", "botocore", "yaml"}  # fmt: skip
    assert "devkit.data.quick" in imported
    assert not heavy & {name.strip() for name in imported}


def change(kind: str, moto_iam: MotoIAM, ws: Any, memo_cache: Path) -> int:
    """Change one thing a no-op depends on; the number of objects the full run then fetches."""
    data = ws.dest()
    prefix = PREFIX + ws.root.parent.name + "/"
    if kind == "profile":
        profile = ws.root / ".devkit" / "profiles" / "sample.yaml"
        profile.write_text(profile.read_text().replace("*.parquet", "*.parq*"))
        return 0
    if kind == "new profile":
        (ws.root / ".devkit" / "profiles" / "other.yaml").write_text(
            "name: other\nextends: base\ndescription: another\n"
        )
        return 0
    if kind == "upstream":
        moto_iam.put(prefix + "b.parquet", b"changed upstream")
        return 1
    if kind == "new upstream":
        moto_iam.put(prefix + "part/d.parquet", b"new upstream")
        return 1
    if kind == "deleted here":
        (data / "part" / "c.parquet").unlink()
        return 1
    if kind == "edited here":
        target = data / "a.parquet"
        target.write_bytes(b"x" * target.stat().st_size)  # same size, another mtime
        return 1
    if kind == "touched here":
        os.utime(data / "a.parquet", ns=(1, 1))  # same bytes: hashed, found current
        return 0
    if kind == "partial left":
        (data / "part" / ".devkit-part-abc").write_bytes(b"half")
        return 0
    if kind == "guard entry gone":
        for entry in (memo_cache / "guard").iterdir():
            entry.unlink()
        return 0
    if kind == "manifest":
        manifest = data / ".devkit-manifest.json"
        manifest.write_text(manifest.read_text())  # same content, rewritten
        return 0
    raise ValueError(kind)


@pytest.mark.parametrize(
    "kind",
    ["profile", "new profile", "upstream", "new upstream", "deleted here", "edited here",
     "touched here", "partial left", "guard entry gone", "manifest"],
)  # fmt: skip
def test_any_change_it_depends_on_makes_the_full_run_answer(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any, kind: str,
) -> None:  # fmt: skip
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0 and runs.full == 0
    fetched = change(kind, moto_iam, ws, memo_cache)
    code, events, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1, kind
    assert step_done(events)["data"]["fetched"] == fetched
    # One listing in all: a listing the record's check made is the full run's too.
    assert len(listings(s3_proxy)) == 1, kind
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0
    assert runs.full == 1  # recorded again by that full run (the full guard's too)


def listings(s3_proxy: LoopbackProxy) -> list[str]:
    return [path for method, path in s3_proxy.requests if "list-type=2" in path]


def test_an_emptied_dataset_folder_goes_to_the_full_run_with_its_listing_started(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """A manifest that changed or went is checked before anything is sent: no no-op, so the
    listing the full run needs starts at once, on a thread of its own, and is the only one."""
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    ahead: list[bool] = []
    real = aws_fast.list_ahead

    def started(*args: Any, **kwargs: Any) -> None:
        ahead.append(len(args) < 4 and "rows" not in kwargs)  # no rows: a listing of its own
        real(*args, **kwargs)

    monkeypatch.setattr(aws_fast, "list_ahead", started)
    shutil.rmtree(ws.dest())
    code, events, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1 and step_done(events)["data"]["fetched"] == 3
    assert ahead == [True]
    assert len(listings(s3_proxy)) == 1
    assert step_done(events)["data"]["requests"]["ListObjectsV2"] == 1


def test_a_listing_made_ahead_for_other_keys_or_another_prefix_is_not_taken(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """The full run takes only a listing of its own prefix, made with the keys and route its
    guard chose: one handed over for anything else is ignored, and it lists for itself."""
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    real = aws_fast.list_ahead

    def elsewhere(route: Any, keys: Any, prefix: str, *rest: Any) -> None:
        real(route, keys, prefix + "elsewhere/", [("x", 1, '"e"', "", "")], 1)
        real(route, ("AKIAOTHER", "secret", None), prefix, [("x", 1, '"e"', "", "")], 1)

    monkeypatch.setattr(aws_fast, "list_ahead", elsewhere)
    shutil.rmtree(ws.dest())
    code, events, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and step_done(events)["data"]["fetched"] == 3  # not the handed "x"
    assert len(listings(s3_proxy)) == 1  # its own


def test_a_folder_swapped_for_a_symlink_is_seen_by_the_full_run(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, tmp_path: Path,
    monkeypatch: Any, capsys: Any,
) -> None:  # fmt: skip
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    part = ws.dest() / "part"
    elsewhere = tmp_path / "elsewhere"
    part.rename(elsewhere)  # the same files, the same stat, behind a symlink
    part.symlink_to(elsewhere)
    code = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0]
    assert runs.full == 1 and code == 4  # the full run refuses to write through it


def test_another_command_line_environment_or_switch_is_not_answered(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys, "--concurrency", "4")[0] == 0
    assert runs.full == 1
    monkeypatch.setenv("DEVKIT_SOMETHING_NEW", "1")
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0
    assert runs.full == 2
    monkeypatch.setenv("DEVKIT_SYNC_MEMO", "off")
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0
    assert runs.full == 4


def test_a_record_in_a_folder_others_can_write_is_never_read(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    (memo_cache / "sync").chmod(0o777)
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0
    assert runs.full == 1


def test_a_workspace_another_devkit_holds_is_left_to_the_full_run(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    lock = ws.root / ".devkit" / "lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a');"
         " fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(lock)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, _, requests = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
        assert runs.full == 1 and code == 3  # the full run names the holder
        assert requests == Counter()  # nothing was listed under another devkit's lock
    finally:
        holder.kill()
        holder.wait()
    with open(lock) as handle:  # released: no lock left behind by either run
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_record_is_kept_only_for_what_a_no_op_reports(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """A file in the way that devkit did not write is reported on every run: never recorded."""
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    prefix = PREFIX + ws.root.parent.name + "/"
    moto_iam.put(prefix + "mine.parquet", b"upstream")
    (ws.dest() / "mine.parquet").write_bytes(b"the user's own file")
    runs = Runs(monkeypatch)
    for _ in range(2):
        code, events, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
        assert code == 0 and "left alone" in step_done(events)["summary"]
    assert runs.full == 2


def test_a_profile_edited_while_the_sync_runs_is_seen_by_the_next_run(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """The record keeps the configuration as it was before the run read it."""
    from devkit.data.step import DataStep

    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    profile = ws.root / ".devkit" / "profiles" / "sample.yaml"
    real = DataStep._sample

    def edited_meanwhile(self: DataStep, ctx: Any) -> Any:
        profile.write_text(profile.read_text().replace("*.parquet", "a.parquet"))
        return real(self, ctx)

    monkeypatch.setenv("DEVKIT_SOMETHING", "1")  # a command line of its own: no record yet
    monkeypatch.setattr(DataStep, "_sample", edited_meanwhile)
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0
    monkeypatch.setattr(DataStep, "_sample", real)
    runs = Runs(monkeypatch)
    code, events, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1  # not answered from the record of the edited run
    assert step_done(events)["summary"].startswith("1 of 3 objects selected")


def test_an_edit_behind_a_profile_that_is_a_symlink_is_seen(
    moto_iam: MotoIAM, s3_proxy: LoopbackProxy, ws: Any, memo_cache: Path, monkeypatch: Any,
    capsys: Any,
) -> None:  # fmt: skip
    """The user's own (untracked) symlink is followed by the full run: so is its target here."""
    profile = ws.root / ".devkit" / "profiles" / "sample.yaml"
    shared = ws.root / "shared.yaml"
    shared.write_text(profile.read_text())
    profile.unlink()
    profile.symlink_to(shared)
    settle(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    runs = Runs(monkeypatch)
    assert sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)[0] == 0 and runs.full == 0
    shared.write_text(shared.read_text().replace("*.parquet", "a.parquet"))
    code, events, _ = sync(moto_iam, s3_proxy, ws, monkeypatch, capsys)
    assert code == 0 and runs.full == 1
    assert step_done(events)["summary"].startswith("1 of 3 objects selected")
