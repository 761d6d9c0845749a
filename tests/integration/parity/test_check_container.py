"""devkit run in a real dev container made by 'devkit init', a reference snapshot taken inside
the same container (as staging's CI runs it in its image), then devkit check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from devkit.parity.container_run import with_secrets
from support.contract import check_json_output
from support.engine import TEST_LABELS, staging_digest
from support.gitrepo import GitRepo, make_repo

# Pins what 'python3 -m venv' already installs in the base image, so the image build needs no
# package index (there is none here) and the lockfile rule still checks real installed pins.
LOCK = "pip==23.0.1\nsetuptools==66.1.1\n"
PROFILE = """\
name: pc
description: parity in a container
extends: base
image: {lockfile: requirements/pc.lock}
env: {PC_MODE: "on"}
secrets: [PC_TOKEN]
data: {dest: data/pc}
parity:
  reference: ref/{profile}.json
"""
SECRET = "pc-secret-value-4242"
CACHE_DIR = os.environ.get("DEVKIT_CACHE_DIR") or str(Path.home() / ".cache" / "devkit")


def devkit(repo: GitRepo, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **repo.env,
        "DEVKIT_EXTRA_LABELS": ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()),
        "DEVKIT_CACHE_DIR": CACHE_DIR,
        "NO_COLOR": "1",
        "PC_TOKEN": SECRET,
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        cwd=repo.path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    print(f"$ devkit {' '.join(args)}\n{proc.stdout}\n{proc.stderr}\n(exit {proc.returncode})")
    check_json_output(args, proc.stdout)
    return proc


@pytest.fixture(scope="module")
def dev(
    tmp_path_factory: pytest.TempPathFactory, docker_engine: Any, base_image: str
) -> tuple[GitRepo, Any]:
    """A workspace with a running dev container and a reference snapshotted inside it."""
    path = tmp_path_factory.mktemp("parity-container") / "ws"
    repo = make_repo(
        path,
        files={
            "README.md": "# ws\n",
            ".gitignore": "data/\nref/\n",
            ".devkit/profiles/pc.yaml": PROFILE,
            "requirements/pc.lock": LOCK,
        },
    )
    data = path / "data" / "pc"
    data.mkdir(parents=True)
    pq.write_table(pa.table({"id": [1, 2], "v": [0.5, 1.5]}), data / "rows.parquet")
    init = devkit(
        repo, "init", "--profile", "pc", "--branch", "feat/parity", "--base-image", base_image,
        "--data", "none", "--network", "host", "--yes", "--no-input",
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    (container,) = docker_engine.containers.list(
        filters={"label": f"devcontainer.local_folder={path}"}
    )
    # Staging's image names its base; the snapshot runs there with devkit's own code.
    digest = staging_digest(docker_engine, base_image)
    snapshot = [
        "devkit",
        "parity",
        "snapshot",
        "--profile",
        "pc",
        "--out",
        "/workspace/ref/pc.json",
    ]
    snap = container.exec_run(
        with_secrets(snapshot),
        environment={"DEVKIT_BASE_IMAGE": base_image, "DEVKIT_BASE_DIGEST": digest},
        workdir="/workspace",
    )
    assert snap.exit_code == 0, snap.output.decode()
    return repo, container


def test_container_run_then_check_passes(dev: tuple[GitRepo, Any]) -> None:
    repo, container = dev
    run = devkit(
        repo, "run", "--profile", "pc", "--", "python3", "-c", "import os; print('in', os.getcwd())"
    )
    assert run.returncode == 0
    assert "in /workspace" in run.stdout
    record = json.loads(sorted((repo.path / ".devkit" / "runs").glob("*.json"))[-1].read_text())
    assert record["where"] == f"container:{container.name}"
    fp = record["fingerprint"]
    assert fp["python"]["executable"].startswith("/opt/venv/")  # the workload's, not devkit's
    assert "devkit" not in fp["distributions"]
    assert fp["platform"]["os_release"]["id"] == "debian"
    assert fp["base_image"]["digest"].startswith("sha256:")
    print(f"fingerprint in the container took {record['fingerprint_s']:.2f} s")

    proc = devkit(repo, "check", "--profile", "pc", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    statuses = {r["id"]: r["status"] for r in json.loads(proc.stdout)["rules"]}
    assert statuses["base_image"] == statuses["python"] == statuses["env_keys"] == "pass"
    assert statuses["data_schema"] == statuses["last_run"] == statuses["lockfile"] == "pass"


def test_failing_container_run_fails_last_run_only(dev: tuple[GitRepo, Any]) -> None:
    repo, _ = dev
    run = devkit(repo, "run", "--profile", "pc", "--", "sh", "-c", "echo broke >&2; exit 5")
    assert run.returncode == 5 and "broke" in run.stdout + run.stderr
    proc = devkit(repo, "check", "--profile", "pc", "--format", "json")
    assert proc.returncode == 1
    failing = {r["id"]: r for r in json.loads(proc.stdout)["rules"] if r["status"] == "fail"}
    assert set(failing) == {"last_run"} and failing["last_run"]["actual"] == "exit 5"
    assert devkit(repo, "run", "--profile", "pc", "--", "true").returncode == 0


def test_other_base_image_digest_fails_base_image(dev: tuple[GitRepo, Any]) -> None:
    repo, _ = dev
    assert devkit(repo, "run", "--profile", "pc", "--", "true").returncode == 0
    ref = json.loads((repo.path / "ref" / "pc.json").read_text())
    ref["base_image"]["digest"] = "sha256:" + "0" * 64
    other = repo.path / "ref" / "other.json"
    other.write_text(json.dumps(ref))
    proc = devkit(repo, "check", "--profile", "pc", "--reference", str(other), "--format", "json")
    assert proc.returncode == 1
    failing = {r["id"]: r for r in json.loads(proc.stdout)["rules"] if r["status"] == "fail"}
    assert set(failing) == {"base_image"}
    assert failing["base_image"]["expected"].endswith("0" * 64)


def _failing(repo: GitRepo, *args: str) -> dict[str, Any]:
    proc = devkit(repo, "check", "--profile", "pc", "--format", "json", *args)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return {r["id"]: r for r in json.loads(proc.stdout)["rules"] if r["status"] == "fail"}


def test_env_key_staging_defines_but_the_container_lacks(dev: tuple[GitRepo, Any]) -> None:
    repo, _ = dev
    assert devkit(repo, "run", "--profile", "pc", "--", "true").returncode == 0
    ref = json.loads((repo.path / "ref" / "pc.json").read_text())
    ref["env_set"] += ["STAGING_ONLY_FLAG", "OTEL_SERVICE_NAME"]
    other = repo.path / "ref" / "env.json"
    other.write_text(json.dumps(ref))
    # Set only by staging and read by no code: information, not a violation.
    proc = devkit(repo, "check", "--profile", "pc", "--reference", str(other), "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Once the workload's code reads it, it is missing in the container, named with file:line.
    reader = repo.path / "flags.py"
    reader.write_text("import os\n\nFLAG = os.getenv('STAGING_ONLY_FLAG')\n")
    try:
        failing = _failing(repo, "--reference", str(other))
    finally:
        reader.unlink()
    assert set(failing) == {"env_keys"}
    assert failing["env_keys"]["details"][0] == (
        "STAGING_ONLY_FLAG is not set locally; staging sets it, read at flags.py:3"
    )


def test_changed_lockfile_fails_lockfile_in_container(dev: tuple[GitRepo, Any]) -> None:
    repo, _ = dev
    lock = repo.path / "requirements" / "pc.lock"
    lock.write_text(LOCK.replace("pip==23.0.1", "pip==24.0"))
    repo.git("commit", "-qam", "bump pip")
    try:
        assert devkit(repo, "run", "--profile", "pc", "--", "true").returncode == 0
        failing = _failing(repo)
        assert set(failing) == {"lockfile"}
        assert "pip: staging pins 23.0.1, local lockfile 24.0" in failing["lockfile"]["details"]
    finally:
        lock.write_text(LOCK)
        repo.git("commit", "-qam", "restore pip")
