"""Issue 11: a cloned repository is untrusted input — one test per reproduced problem.

Real folders, real git (tracked symlinks are committed with git itself); only S3 is an in-memory
fake where the sync engine's pure logic is driven. The whole-CLI view of the same attacks is
tests/integration/hostile/.
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from devkit.config.model import SampleRules
from devkit.config.profiles import ProfileSet
from devkit.core.errors import DevkitError, ProblemsError, RefusedError
from devkit.data.manifest import JOURNAL_NAME, MANIFEST_NAME
from devkit.data.selection import RemoteObject
from devkit.data.sync import Syncer
from devkit.data.synthetic import write_synthetic
from support.gitrepo import make_repo

TABLES: dict[str, Any] = {"t": {"rows": 5, "format": "csv", "columns": {"id": {"type": "uuid"}}}}


class EmptyS3:
    """An in-memory S3 adapter with the given objects (bodies are all b'x')."""

    def __init__(self, keys: list[str] | None = None) -> None:
        self.keys = keys or []
        self.counts: dict[str, int] = {}

    def list(self, bucket: str, prefix: str, limit: int | None = None) -> list[RemoteObject]:
        return [RemoteObject(k, 1, '"9dd4e461268c8034f5c8564e155c67a6"') for k in self.keys]

    def get(self, bucket: str, key: str) -> tuple[Any, dict[str, Any]]:
        import io

        return io.BytesIO(b"x"), {"ContentLength": 1}

    def read_errors(self) -> tuple[type[BaseException], ...]:
        return (ConnectionError,)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    found: dict[str, tuple[bytes, int]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        body = path.read_bytes() if stat.S_ISREG(info.st_mode) else b""
        found[str(path.relative_to(folder))] = (body, info.st_mtime_ns)
    return found


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A sentinel folder outside every workspace, with one file in it."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "victim").write_text("precious\n")
    return folder


def commit_symlinks(root: Path, links: dict[str, Path], env: dict[str, str]) -> None:
    for rel, target in links.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(target)
    subprocess.run(["git", "add", "-f", "--", *links], cwd=root, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "hostile"], cwd=root, env=env, check=True)


# --- 1. sync-data --delete and a tampered manifest -----------------------------------------


@pytest.mark.parametrize("where", ["manifest", "journal"])
def test_1_delete_never_removes_a_manifest_entry_outside_the_dataset(
    tmp_path: Path, outside: Path, where: str
) -> None:
    dest = tmp_path / "ws" / "data"
    dest.mkdir(parents=True)
    entry = {"size": 9, "sha256": "0" * 64, "key": "p/x"}
    escape = "../../outside/victim"
    if where == "manifest":
        body = {"format": 1, "kind": "s3", "source": {}, "files": {escape: entry}}
        (dest / MANIFEST_NAME).write_text(json.dumps(body))
    else:
        (dest / MANIFEST_NAME).write_text(json.dumps({"format": 1, "kind": "s3", "files": {}}))
        (dest / JOURNAL_NAME).write_text(json.dumps({"path": escape, **entry}) + "\n")
    syncer = Syncer(EmptyS3(), "b", "p/", dest, SampleRules(), delete=True)  # type: ignore[arg-type]
    try:
        syncer.run()
    except DevkitError as exc:
        assert exc.code in (2, 3, 4)
    assert (outside / "victim").read_text() == "precious\n"


def test_1_delete_checks_each_entry_again_right_before_removing(
    tmp_path: Path, outside: Path
) -> None:
    dest = tmp_path / "ws" / "data"
    dest.mkdir(parents=True)
    syncer = Syncer(EmptyS3(), "b", "p/", dest, SampleRules(), delete=True)  # type: ignore[arg-type]
    syncer.manifest.kind = "s3"
    syncer.manifest.files["../../outside/victim"] = {"size": 9}  # in memory, past the load
    with pytest.raises(RefusedError, match="outside the dataset folder"):
        syncer.run()
    assert (outside / "victim").read_text() == "precious\n"


# --- 2. fixed names a committed symlink redirects --------------------------------------------


@pytest.mark.parametrize(
    "name",
    [JOURNAL_NAME, MANIFEST_NAME + ".tmp", MANIFEST_NAME, ".devkit-tmp-t.csv", "t.csv"],
)
def test_2_synthetic_data_never_writes_through_a_symlink_in_the_dataset(
    git_repo: Any, outside: Path, name: str
) -> None:
    dest = git_repo.path / "data"
    commit_symlinks(git_repo.path, {f"data/{name}": outside / "victim"}, git_repo.env)
    before = snapshot(outside)
    try:
        write_synthetic(TABLES, 1, dest)
    except DevkitError as exc:
        assert exc.code == 4
    assert snapshot(outside) == before


def test_2_a_committed_symlink_as_the_dataset_folder_is_refused(
    git_repo: Any, outside: Path
) -> None:
    commit_symlinks(git_repo.path, {"data": outside}, git_repo.env)
    before = snapshot(outside)
    with pytest.raises(RefusedError, match="committed to the repository"):
        write_synthetic(TABLES, 1, git_repo.path / "data" / "training")
    assert snapshot(outside) == before


def test_2_the_users_own_untracked_data_symlink_is_followed(git_repo: Any, outside: Path) -> None:
    (git_repo.path / "data").symlink_to(outside)  # created locally, not committed
    write_synthetic(TABLES, 1, git_repo.path / "data" / "training")
    assert (outside / "training" / "t.csv").is_file()


@pytest.mark.parametrize(
    "rel",
    [
        ".devcontainer/.devcontainer.json.devkit-tmp",
        ".devcontainer",
        ".devcontainer/devcontainer.json",
    ],
)
def test_2_devcontainer_writes_never_follow_a_committed_symlink(
    git_repo: Any, outside: Path, rel: str
) -> None:
    from devkit.container.files_step import atomic_write

    target = outside if rel == ".devcontainer" else outside / "victim"
    commit_symlinks(git_repo.path, {rel: target}, git_repo.env)
    before = snapshot(outside)
    try:
        atomic_write(git_repo.path / ".devcontainer" / "devcontainer.json", "{}")
    except DevkitError as exc:
        assert exc.code == 4
    assert snapshot(outside) == before


@pytest.mark.parametrize("rel", [".devkit", ".devkit/.gitignore", ".devkit/cache"])
def test_2_state_and_cache_writes_never_follow_a_committed_symlink(
    git_repo: Any, outside: Path, rel: str
) -> None:
    from devkit.parity.dataset import _write_cache
    from devkit.workspace import Workspace

    target = outside / "victim" if rel.endswith("gitignore") else outside
    commit_symlinks(git_repo.path, {rel: target}, git_repo.env)
    before = snapshot(outside)
    for action in (
        lambda: Workspace(git_repo.path).ensure_state(),
        lambda: _write_cache(git_repo.path / ".devkit" / "cache" / "dataset.json", "d", "s", {}),
    ):
        try:
            action()
        except DevkitError as exc:
            assert exc.code == 4
    assert snapshot(outside) == before


def test_2_cache_temp_file_is_never_a_predictable_name(tmp_path: Path, outside: Path) -> None:
    from devkit.parity.dataset import _write_cache

    cache = tmp_path / "cache" / "dataset.json"
    cache.parent.mkdir()
    (cache.parent / "dataset.tmp").symlink_to(outside / "victim")  # the old fixed temp name
    _write_cache(cache, "d", "s", {"rows": 1})
    assert json.loads(cache.read_text())["d"]["facts"] == {"rows": 1}
    assert (outside / "victim").read_text() == "precious\n"


# --- 3. alias bombs ---------------------------------------------------------------------------

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def run_devkit(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """devkit in a subprocess capped at 2 GiB of memory, so a regression fails, not the box."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("file", [".devkit/profiles/bomb.yaml", ".devkit/environments.yaml"])
def test_3_an_alias_bomb_is_a_located_error_not_a_hang(tmp_path: Path, file: str) -> None:
    ws = tmp_path / "ws"
    (ws / ".devkit" / "profiles").mkdir(parents=True)
    (ws / file).write_text("description: x\n" + BOMB if "profiles" in file else BOMB)
    started = time.monotonic()
    from devkit.config.environments import load_environments

    with pytest.raises(ProblemsError) as caught:
        if "profiles" in file:
            ProfileSet(ws).raise_problems()
        else:
            load_environments(ws)
    assert time.monotonic() - started < 5
    assert f"{file}:" in str(caught.value)
    assert "expands to more than" in str(caught.value)


def test_3_alias_bomb_via_the_cli_exits_2_quickly(tmp_path: Path) -> None:
    ws = make_repo(tmp_path / "ws", {".devkit/profiles/bomb.yaml": "description: x\n" + BOMB}).path
    proc = run_devkit(["profiles", "list"], ws)
    assert proc.returncode == 2, proc.stderr
    assert ".devkit/profiles/bomb.yaml:2:" in proc.stderr and "hint:" in proc.stderr


def test_3_deep_nesting_and_self_alias_are_located(tmp_path: Path) -> None:
    from devkit.config.yamlmarks import load_located

    for text in (
        "x: " + "[" * 500 + "]" * 500,
        "a: &a [*a]\n",
        "a: " + "{b: " * 200 + "1" + "}" * 200,
    ):
        _located, problems = load_located(text, "p.yaml")
        assert problems and "nested more than" in problems[0].what
        assert str(problems[0].where).startswith("p.yaml:1:")


# --- 4. ${localEnv:…} carrying host secrets --------------------------------------------------


def profile_ws(tmp_path: Path, body: str, name: str = "p") -> Path:
    ws = tmp_path / "ws"
    (ws / ".devkit" / "profiles").mkdir(parents=True, exist_ok=True)
    text = f"description: x\nextends: training\n{body}"
    (ws / ".devkit" / "profiles" / f"{name}.yaml").write_text(text)
    return ws


@pytest.mark.parametrize(
    "value",
    [
        "${localEnv:AWS_SECRET_ACCESS_KEY}",
        "${env:GITHUB_TOKEN}",
        "prefix-${localEnv:DB_PASSWORD}",
        "${localEnv:SOME_FLAG}",  # not declared as pass-through
        "${localEnv:WANDB_API_KEY}",  # named under secrets by the parent profile
    ],
)
def test_4_local_env_in_a_profile_cannot_carry_a_host_secret(tmp_path: Path, value: str) -> None:
    ws = profile_ws(tmp_path, f'env:\n  LEAK: "{value}"\n')
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(ws).get("p")
    assert ".devkit/profiles/p.yaml:4:" in str(caught.value)


def test_4_declared_pass_through_and_container_env_are_allowed(tmp_path: Path) -> None:
    ws = profile_ws(
        tmp_path,
        "env_passthrough: [SOME_FLAG]\n"
        'env: {A: "${localEnv:SOME_FLAG}", B: "${containerEnv:PATH}"}\n',
    )
    assert ProfileSet(ws).get("p").env["A"] == "${localEnv:SOME_FLAG}"


def test_4_a_credential_cannot_be_declared_pass_through(tmp_path: Path) -> None:
    ws = profile_ws(tmp_path, "env_passthrough: [AWS_SECRET_ACCESS_KEY]\n")
    with pytest.raises(ProblemsError, match="looks like a credential"):
        ProfileSet(ws).get("p")


def test_4_local_env_in_mounts_is_checked_too(tmp_path: Path) -> None:
    ws = profile_ws(tmp_path, 'mounts: ["source=/x,target=/${localEnv:AWS_SESSION_TOKEN}"]\n')
    with pytest.raises(ProblemsError, match="host credential"):
        ProfileSet(ws).get("p")


# --- 6. a symlinked devcontainer.json is never read ------------------------------------------


def test_6_a_committed_symlinked_devcontainer_json_is_not_read_or_backed_up(
    git_repo: Any, outside: Path
) -> None:
    from devkit.container.files_step import DevcontainerFilesStep
    from devkit.container.render import HostUser, LocalLayer, render
    from devkit.core.events import Event
    from devkit.core.plan import StepContext

    (outside / "victim").write_text("SECRET-CONTENT\n")
    commit_symlinks(
        git_repo.path, {".devcontainer/devcontainer.json": outside / "victim"}, git_repo.env
    )
    rendered = render(ProfileSet(None).get("training"), LocalLayer(HostUser(0, 0)))
    step = DevcontainerFilesStep(git_repo.path, rendered, overwrite=True)
    with pytest.raises(RefusedError, match="committed to the repository") as caught:
        step.describe()
    assert "SECRET-CONTENT" not in str(caught.value)
    events: list[Event] = []
    with pytest.raises(RefusedError):
        step.run(StepContext("devcontainer", events.append))
    assert "SECRET-CONTENT" not in repr(events)
    backups = git_repo.path / ".devkit" / "backups"
    assert not backups.exists() or not any(
        b"SECRET" in p.read_bytes() for p in backups.rglob("*") if p.is_file()
    )


# --- 7. crash logs ------------------------------------------------------------------------------


def crash(args: list[str] | None = None) -> int:
    import argparse

    from devkit.cli import run_command

    def boom(_: argparse.Namespace) -> int:
        raise RuntimeError("boom")

    return run_command(argparse.Namespace(command="x"), boom)


def test_7_crash_log_is_private_and_never_follows_a_planted_symlink(
    tmp_path: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    shared = tmp_path / "shared-tmp"
    (shared / "devkit").mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    now = time.time()
    for delta in range(-2, 60):  # another user plants the names of the next minute
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now + delta))
        (shared / "devkit" / f"crash-{stamp}.log").symlink_to(outside / "victim")
    assert crash() == 70
    assert (outside / "victim").read_text() == "precious\n"
    folder = tmp_path / "home" / ".local" / "state" / "devkit" / "crash"
    logs = list(folder.iterdir())
    assert len(logs) == 1 and "RuntimeError: boom" in logs[0].read_text()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(logs[0].stat().st_mode) == 0o600


def test_7_a_symlinked_crash_folder_is_not_used(
    tmp_path: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    (state / "devkit").mkdir(parents=True)
    (state / "devkit" / "crash").symlink_to(outside)
    monkeypatch.setenv("XDG_STATE_HOME", str(state))
    before = snapshot(outside)
    assert crash() == 70
    assert snapshot(outside) == before


# --- 8. unhandled errors from input ---------------------------------------------------------


def test_8_a_300_character_s3_key_is_refused_not_enametoolong(tmp_path: Path) -> None:
    key = "p/" + "k" * 300 + ".parquet"
    syncer = Syncer(EmptyS3([key]), "b", "p/", tmp_path / "d", SampleRules())  # type: ignore[arg-type]
    with pytest.raises(RefusedError, match="longer than 255 bytes"):
        syncer.build_plan()


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "huge"])
def test_8_a_profile_that_is_not_a_small_regular_file_exits_2(tmp_path: Path, kind: str) -> None:
    ws = make_repo(tmp_path / "ws").path
    folder = ws / ".devkit" / "profiles"
    folder.mkdir(parents=True)
    path = folder / "x.yaml"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")  # the user's own (untracked) link: followed, then refused
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.write_text("extends: training\ndescription: " + "x" * (3 << 20) + "\n")
    proc = run_devkit(["profiles", "list"], ws, timeout=30)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "hint:" in proc.stderr
    assert ".devkit/profiles/x.yaml:1:1:" in proc.stderr


def test_8_a_billion_rows_is_out_of_range_at_load(tmp_path: Path) -> None:
    ws = profile_ws(
        tmp_path,
        "data:\n  synthetic:\n    tables:\n      documents:\n        rows: 1000000000\n",
    )
    with pytest.raises(ProblemsError, match=r"rows must be at most 5e\+06") as caught:
        ProfileSet(ws).get("p")
    assert ".devkit/profiles/p.yaml:7:" in str(caught.value)


def test_8_a_1200_deep_extends_chain_is_a_located_error(tmp_path: Path) -> None:
    folder = tmp_path / ".devkit" / "profiles"
    folder.mkdir(parents=True)
    (folder / "p0.yaml").write_text("description: x\nextends: training\n")
    for i in range(1, 1200):
        (folder / f"p{i}.yaml").write_text(f"description: x\nextends: p{i - 1}\n")
    with pytest.raises(ProblemsError, match="'extends' chain") as caught:
        ProfileSet(tmp_path).get("p1199")
    assert ".devkit/profiles/p1168.yaml:2:10:" in str(caught.value)


# --- 10. data.dest and branch patterns -------------------------------------------------------


@pytest.mark.parametrize("dest", ["../outside", "/etc", "data/../../x", "a\\b"])
def test_10_data_dest_must_stay_in_the_workspace(tmp_path: Path, dest: str) -> None:
    ws = profile_ws(tmp_path, f"data:\n  dest: '{dest}'\n")
    with pytest.raises(ProblemsError, match=r"data\.dest") as caught:
        ProfileSet(ws).get("p")
    assert ".devkit/profiles/p.yaml:4:9:" in str(caught.value)


@pytest.mark.parametrize("pattern", ["^(a+)+$", "^(a*)*$", "^(a|a)*$", r"^(\w+\s?)*$"])
def test_10_catastrophic_branch_patterns_are_refused_at_load(tmp_path: Path, pattern: str) -> None:
    ws = profile_ws(tmp_path, f"branch: {{pattern: '{pattern}'}}\n")
    started = time.monotonic()
    with pytest.raises(ProblemsError, match="exponential time") as caught:
        ProfileSet(ws).get("p")
    assert time.monotonic() - started < 2
    assert ".devkit/profiles/p.yaml:3:19:" in str(caught.value)


def test_10_matching_a_very_long_name_is_bounded() -> None:
    from devkit.git.names import matches_pattern

    started = time.monotonic()
    assert not matches_pattern("a" * 5000 + "!", "^[a-z]*[a-z]*[a-z]*$")
    assert time.monotonic() - started < 1


def test_8_rows_times_words_has_a_budget_too(tmp_path: Path) -> None:
    ws = profile_ws(
        tmp_path,
        "data:\n  synthetic:\n    tables:\n      documents:\n        rows: 5000000\n"
        "        columns:\n          t: {type: text, words: [900, 1000]}\n",
    )
    with pytest.raises(ProblemsError, match="rows × columns × words"):
        ProfileSet(ws).get("p")


def test_7_the_secrets_file_never_follows_a_symlink_planted_in_a_shared_temp_folder(
    tmp_path: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same class as the crash log: a predictable name under a shared temp folder."""
    import tempfile

    from devkit.container import secrets

    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = secrets.runtime_dir("c1")
    folder.mkdir(parents=True, mode=0o700)
    (folder / "secrets.env").symlink_to(outside / "victim")
    with pytest.raises(RefusedError):
        secrets.write("c1", {"TOKEN": "s3cr3t"})
    assert (outside / "victim").read_text() == "precious\n"


def test_8_os_errors_on_a_write_are_devkit_errors(tmp_path: Path) -> None:
    from devkit import safefs

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "inner").mkdir()
    with pytest.raises(RefusedError, match="in the way"):
        safefs.write_text(tmp_path / "out", "x")  # a folder where a file should go
    (tmp_path / "file").write_text("x")
    with pytest.raises(RefusedError, match="a file where devkit needs a folder"):
        safefs.write_text(tmp_path / "file" / "below", "x")
