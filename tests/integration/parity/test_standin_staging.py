"""The README demo's reference comes from a second container: the workload image built from
`main` with examples/staging-parity/Dockerfile (no dev extras), run with a staging platform's
variables, snapshots itself; the developer's run in the dev container made by 'devkit init' is
checked against it — green, then red on a lockfile changed on the branch."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.engine import TEST_LABELS
from support.gitrepo import GitRepo, make_repo

REPO = Path(__file__).resolve().parents[3]
STANDIN = REPO / "examples" / "staging-parity" / "standin-reference.sh"
# Pins what 'python3 -m venv' installs in the base image: both images build without an index.
LOCK = "pip==23.0.1\nsetuptools==66.1.1\n"
PROFILE = """\
name: sc
description: parity against a second container
extends: base
image: {lockfile: requirements/sc.lock}
env: {SC_MODE: "on"}
data:
  dest: data/sc
  synthetic:
    seed: 7
    tables:
      rows: {rows: 20, columns: {id: {type: int, min: 0, max: 99}, v: {type: float}}}
parity:
  reference: ref/{profile}.json
"""
JOB = "import os\n\nprint('mode', os.environ.get('SC_MODE'))\n"


def devkit(repo: GitRepo, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        cwd=repo.path, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=1200,
    )  # fmt: skip
    print(f"$ devkit {' '.join(args)}\n{proc.stdout}\n{proc.stderr}\n(exit {proc.returncode})")
    return proc


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, docker_engine: Any, base_image: str
) -> Iterator[tuple[GitRepo, dict[str, str]]]:
    path = tmp_path_factory.mktemp("parity-standin") / "ws"
    repo = make_repo(
        path,
        files={
            ".gitignore": "data/\nref/\n",
            ".devkit/profiles/sc.yaml": PROFILE,
            "requirements/sc.lock": LOCK,
            "job.py": JOB,
        },
    )
    env = {k: v for k, v in repo.env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(
        DEVKIT_EXTRA_LABELS=",".join(f"{k}={v}" for k, v in TEST_LABELS.items()), NO_COLOR="1"
    )
    init = devkit(
        repo, env, "init", "--profile", "sc", "--branch", "feat/sc", "--base-image", base_image,
        "--data", "synthetic", "--network", "host", "--yes", "--no-input",
    )  # fmt: skip
    assert init.returncode == 0, init.stdout + init.stderr
    standin = subprocess.run(
        ["bash", str(STANDIN), str(path), "sc", base_image, str(path / "ref" / "sc.json")],
        env={**env, "PYTHON": sys.executable, "STANDIN_NETWORK": "host"},
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    print(standin.stdout, standin.stderr)
    assert standin.returncode == 0, standin.stderr
    yield repo, env
    for image in docker_engine.images.list(filters={"label": "devkit.standin=sc"}):
        docker_engine.images.remove(image.id, force=True)


def test_reference_comes_from_a_second_container_and_the_dev_run_passes(
    demo: tuple[GitRepo, dict[str, str]],
) -> None:
    repo, env = demo
    ref = json.loads((repo.path / "ref" / "sc.json").read_text())
    platform = {n for n in ref["env_set"] if n.startswith(("ECS_", "OTEL_", "DD_", "AWS_EXEC"))}
    assert len(platform) >= 7, platform
    assert ref["python"]["executable"].startswith("/opt/venv/")
    assert "devkit" not in ref["distributions"]
    assert ref["git"] is None  # the image holds main's files, not a checkout
    assert ref["data"]["identity"]["kind"] == "synthetic" and ref["data"]["identity"]["seed"] == 7

    run = devkit(repo, env, "run", "--profile", "sc", "--", "python3", "job.py")
    assert run.returncode == 0 and "mode on" in run.stdout
    record = json.loads(sorted((repo.path / ".devkit" / "runs").glob("*.json"))[-1].read_text())
    assert record["where"].startswith("container:")
    assert not platform & set(record["fingerprint"]["env_set"])  # they really differ

    proc = devkit(repo, env, "check", "--profile", "sc", "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    statuses = {r["id"]: r["status"] for r in json.loads(proc.stdout)["rules"]}
    assert statuses == {
        "python": "pass", "base_image": "pass", "lockfile": "pass", "env_keys": "pass",
        "data_schema": "pass", "data_version": "pass", "branch": "pass", "prod_refs": "pass",
        "last_run": "pass",
    }  # fmt: skip


def test_lockfile_changed_on_the_branch_turns_the_check_red(
    demo: tuple[GitRepo, dict[str, str]],
) -> None:
    repo, env = demo
    lock = repo.path / "requirements" / "sc.lock"
    lock.write_text(LOCK.replace("pip==23.0.1", "pip==24.0"))
    repo.git("commit", "-qam", "bump pip")
    try:
        assert (
            devkit(repo, env, "run", "--profile", "sc", "--", "python3", "job.py").returncode == 0
        )
        proc = devkit(repo, env, "check", "--profile", "sc", "--format", "json")
        assert proc.returncode == 1, proc.stdout + proc.stderr
        failing = {r["id"] for r in json.loads(proc.stdout)["rules"] if r["status"] == "fail"}
        assert failing == {"lockfile"}
    finally:
        lock.write_text(LOCK)
        repo.git("commit", "-qam", "restore pip")
