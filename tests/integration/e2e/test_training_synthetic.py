"""The path a new developer walks, with no cloud account: a fresh copy of the sample workspace →
`devkit init --data synthetic` → container, post-create, hooks → `devkit run` → `devkit check`
green; then drift (lockfile) fails the check and the pre-push hook blocks the push; then the
reference `devcontainer up` opens the same environment and its postCreate hook succeeds.

The tests share one workspace and run in file order.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from support.gitrepo import GitRepo

from .conftest import (
    DEVCONTAINER_CLI,
    devkit,
    devkit_env,
    init_args,
    run,
    sample_workspace,
    snapshot_reference,
    the_container,
    timed,
)

PROFILE = "training"
BRANCH = "feat/e2e"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, docker_engine: Any, base_image: str) -> GitRepo:
    repo = sample_workspace(tmp_path_factory.mktemp("e2e-training") / "ml-platform")
    started = time.monotonic()
    proc = devkit(repo, *init_args(PROFILE, BRANCH, base_image))
    timed("init training (synthetic)", started)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return repo


def test_init_gives_branch_container_post_create_hooks_and_data(
    ws: GitRepo, docker_engine: Any
) -> None:
    assert ws.git("branch", "--show-current") == BRANCH
    container = the_container(docker_engine, ws.path)
    assert container.labels["org.devkit.profile"] == PROFILE
    logs = ws.path / ".devkit" / "logs" / "post-create"
    data_log = (logs / "data.log").read_text()
    assert "data: synthetic, because --data synthetic was chosen" in data_log
    assert (logs / "hooks.log").is_file() and (logs / "fingerprint.log").is_file()
    assert (ws.path / "data" / "training" / "documents.parquet").is_file()
    hook = Path(ws.git("rev-parse", "--git-path", "hooks"))
    hook = hook if hook.is_absolute() else ws.path / hook
    assert "devkit-managed-hook: pre-push" in (hook / "pre-push").read_text()
    assert ws.git("config", "--bool", "devkit.prepush") == "true"
    fingerprint = json.loads((ws.path / ".devkit/fingerprints/post-create.json").read_text())
    assert fingerprint["profile"] == PROFILE and fingerprint["where"] == "container"
    # No broker: synthetic data needs no AWS, so the container has no AWS mount or config.
    mounts = {m["Destination"] for m in container.attrs["Mounts"]}
    assert "/run/devkit-aws" not in mounts
    assert not any(e.startswith("AWS_CONFIG_FILE=") for e in container.attrs["Config"]["Env"])


def test_post_create_again_does_nothing_and_says_so(ws: GitRepo, docker_engine: Any) -> None:
    container = the_container(docker_engine, ws.path)
    result = container.exec_run(
        ["devkit", "post-create", "--profile", PROFILE], workdir="/workspace",
        environment={"NO_COLOR": "1"},
    )  # fmt: skip
    out = result.output.decode()
    assert result.exit_code == 0, out
    for title in ("Locked dependencies", "Dataset", "Git pre-push hook", "First fingerprint"):
        assert f"= {title}: already done" in out


def test_run_training_then_check_is_green(ws: GitRepo, docker_engine: Any, base_image: str) -> None:
    proc = devkit(ws, "run", "--", "python", "training/train.py")
    assert proc.returncode == 0, proc.stderr
    assert "trained on 10000 rows" in proc.stdout
    assert (ws.path / "models" / "training" / "model.json").is_file()
    snapshot_reference(docker_engine, ws, PROFILE, base_image)
    started = time.monotonic()
    check = devkit(ws, "check", "--format", "json")
    timed("devkit check", started)
    assert check.returncode == 0, check.stdout
    statuses = {r["id"]: r["status"] for r in json.loads(check.stdout)["rules"]}
    assert statuses["lockfile"] == statuses["last_run"] == statuses["data_schema"] == "pass"
    assert "fail" not in statuses.values()


def test_lockfile_drift_fails_check_and_blocks_push(ws: GitRepo, tmp_path: Path) -> None:
    lock = ws.path / "requirements" / "training.lock"
    original = lock.read_text()
    lock.write_text(original + "six==1.17.0\n")
    ws.git("commit", "-qam", "add a pin")
    try:
        check = devkit(ws, "check", "--format", "json")
        assert check.returncode == 1, check.stdout
        failing = {r["id"] for r in json.loads(check.stdout)["rules"] if r["status"] == "fail"}
        assert "lockfile" in failing

        remote = tmp_path / "remote.git"
        subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=ws.env)
        ws.git("remote", "add", "origin", str(remote))
        push = run(["git", "push", "origin", BRANCH], ws.path, devkit_env(ws))
        assert push.returncode != 0
        assert "push blocked" in push.stderr and "lockfile" in push.stdout + push.stderr
        heads = subprocess.run(
            ["git", "ls-remote", "--heads", str(remote)],
            capture_output=True, text=True, env=ws.env, check=True,
        )  # fmt: skip
        assert BRANCH not in heads.stdout, "the push went through"
    finally:
        ws.git("reset", "-q", "--hard", "HEAD~1")


@pytest.mark.skipif(not DEVCONTAINER_CLI.exists(), reason="scripts/test.sh installs the CLI")
def test_reference_devcontainer_cli_opens_the_same_environment(
    ws: GitRepo, docker_engine: Any
) -> None:
    down = devkit(ws, "down")
    assert down.returncode == 0
    started = time.monotonic()
    # devkit's machine-local layer (this root host's user, host networking, the local base
    # image) reaches the CLI as the override config devkit writes; the committed files alone are
    # what test_portable.py opens on a fresh clone.
    override = ws.path / ".devkit" / "devcontainer.local.json"
    assert override.is_file()
    proc = run(
        [
            str(DEVCONTAINER_CLI),
            "up",
            "--workspace-folder",
            str(ws.path),
            "--override-config",
            str(override),
            "--log-format",
            "json",
        ],
        ws.path,
        devkit_env(ws),
    )
    timed("devcontainer up", started)
    assert proc.returncode == 0, proc.stderr[-3000:]
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome["outcome"] == "success", outcome
    container = docker_engine.containers.get(outcome["containerId"])
    try:
        assert container.labels["devcontainer.local_folder"] == str(ws.path)
        assert "devkit post-create" in proc.stderr + proc.stdout
        # Its postCreate hook ran devkit post-create, which found everything in place.
        result = container.exec_run(["devkit", "post-create"], workdir="/workspace")
        assert result.exit_code == 0, result.output.decode()
        # And devkit uses the CLI's container as its own.
        proc = devkit(ws, "run", "--", "python", "training/train.py")
        assert proc.returncode == 0, proc.stderr
    finally:
        container.remove(force=True)
