"""A real workspace for parity tests: a git repo on a feature branch, a workspace profile, a
lockfile, a Parquet dataset, and a workload interpreter (a real venv) whose installed
distributions match the lockfile. devkit runs as a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from support.contract import check_json_output

PROFILE = """\
name: demo
description: parity test workload
extends: base
image:
  lockfile: requirements/demo.lock
env:
  DEMO_MODE: "on"
secrets: [DEMO_TOKEN]
data:
  dest: data/demo
  synthetic:
    tables:
      documents:
        rows: 3
        columns:
          id: {type: int}
parity:
  reference: ref/{profile}.json
  rules:
    branch: {severity: error, max_behind: 0}
"""
# The workload reads one variable the environment sets (the others it never reads).
TRAIN = "import os\n\nprint('training', os.environ.get('FEATURE_FLAGS'))\n"
LOCK = "# pinned by pip-compile\nDemo_Pin==1.0.0\nother-lib==2.3.4  # via demo\n"
INSTALLED = {"demo-pin": "1.0.0", "other_lib": "2.3.4"}
GITCONFIG = (
    "[user]\n\tname = Dev Kit\n\temail = dev@example.invalid\n[init]\n\tdefaultBranch = main\n"
)


def install_fake_dist(site: Path, name: str, version: str) -> None:
    """A real installed distribution as importlib.metadata finds it (dist-info + METADATA)."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


@pytest.fixture(scope="session")
def workload_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv (no pip) standing in for the workload's environment, with the pinned dists."""
    root = tmp_path_factory.mktemp("workload-venv")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
    python = root / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    for name, version in INSTALLED.items():
        install_fake_dist(site, name, version)
    return python


def write_documents(path: Path, label_type: pa.DataType | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "id": pa.array([1, 2, 3], pa.int64()),
            "label": pa.array([0, 1, 2], pa.int64()).cast(label_type or pa.int64()),
        }
    )
    pq.write_table(table, path)


@dataclass
class Workspace:
    root: Path
    env: dict[str, str]
    calls: list[list[str]] = field(default_factory=list)

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.root, env=self.env, check=True, capture_output=True, text=True
        ).stdout.strip()

    def devkit(
        self, *args: str, env: Mapping[str, str] | None = None, drop: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess[str]:
        full = {**self.env, **(env or {})}
        for name in drop:
            full.pop(name, None)
        self.calls.append(list(args))
        proc = subprocess.run(
            [sys.executable, "-m", "devkit", *args],
            cwd=self.root,
            env=full,
            capture_output=True,
            text=True,
            timeout=120,
        )
        check_json_output(args, proc.stdout)
        return proc

    def run(
        self, *command: str, env: Mapping[str, str] | None = None, drop: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess[str]:
        """``devkit run --here`` with the workload interpreter (default: train.py)."""
        argv = list(command) or [self.env["DEVKIT_WORKLOAD_PYTHON"], "train.py"]
        return self.devkit("run", "--here", "--profile", "demo", "--", *argv, env=env, drop=drop)

    lock: str = LOCK

    def write_documents(self, label_type: pa.DataType | None = None) -> None:
        write_documents(self.root / "data" / "demo" / "documents.parquet", label_type or pa.int64())

    def commit_file(self, rel: str, text: str, message: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.git("add", rel)
        self.git("commit", "-q", "-m", message)

    def check(
        self, *extra: str, env: Mapping[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        proc = self.devkit("check", "--profile", "demo", "--format", "json", *extra, env=env)
        assert proc.returncode in (0, 1), proc.stdout + proc.stderr
        return proc.returncode, json.loads(proc.stdout)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, workload_python: Path) -> Workspace:
    """Built once: a clean feature branch with a recorded passing run and a reference taken in
    the same environment. Each test gets a copy (``workspace``)."""
    base = tmp_path_factory.mktemp("parity-template")
    home = base / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(GITCONFIG)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "DEVKIT_", "AWS_"))
        and k not in ("DEMO_TOKEN", "FEATURE_FLAGS", "PYTHONDONTWRITEBYTECODE")
    }
    env.update(
        HOME=str(home),
        GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
        GIT_CONFIG_NOSYSTEM="1",
        DEVKIT_WORKLOAD_PYTHON=str(workload_python),
        FEATURE_FLAGS="beta",
        NO_COLOR="1",
    )
    root = base / "repo"
    root.mkdir()
    ws = Workspace(root, env)
    ws.git("init", "-q", "-b", "main")
    (root / ".gitignore").write_text("data/\nref/\n")
    (root / ".devkit" / "profiles").mkdir(parents=True)
    (root / ".devkit" / "profiles" / "demo.yaml").write_text(PROFILE)
    (root / "requirements").mkdir()
    (root / "requirements" / "demo.lock").write_text(LOCK)
    (root / "train.py").write_text(TRAIN)
    ws.git("add", "-A")
    ws.git("commit", "-q", "-m", "initial")
    ws.git("checkout", "-q", "-b", "feat/demo")
    ws.write_documents()
    snap = ws.devkit("parity", "snapshot", "--profile", "demo", "--out", "ref/demo.json")
    assert snap.returncode == 0, snap.stderr
    run = ws.run()
    assert run.returncode == 0, run.stderr
    return ws


@pytest.fixture
def workspace(template: Workspace, tmp_path: Path) -> Workspace:
    """A private copy of the template workspace (same commits, run record and reference)."""
    root = tmp_path / "repo"
    shutil.copytree(template.root, root, symlinks=True)
    return Workspace(root, dict(template.env))
