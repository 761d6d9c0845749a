"""``devkit init --target host``: the workload in ``.devkit/venv`` on this machine, no engine.

Real git, a real venv, real pip (the lockfile's pins from the configured index), no Docker:
``DOCKER_HOST`` points at a socket that does not exist.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.contract import check_json_output
from support.gitrepo import GitRepo, isolated_git_env, make_repo

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLE = REPO_ROOT / "examples" / "ml-platform"
NO_ENGINE = "unix:///nonexistent-devkit-test.sock"


def sample_files() -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for path in SAMPLE.rglob("*"):
        if path.is_file():
            files[path.relative_to(SAMPLE).as_posix()] = path.read_bytes()
    return files


def env_for(repo: GitRepo, **extra: str) -> dict[str, str]:
    return {**repo.env, "DOCKER_HOST": NO_ENGINE, "NO_COLOR": "1", **extra}


def devkit(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> Any:
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        cwd=repo.path,
        env=env or env_for(repo),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(f"$ devkit {' '.join(args)}\n{proc.stdout}\n{proc.stderr}\n(exit {proc.returncode})")
    check_json_output(args, proc.stdout)
    return proc


def lock_pins(root: Path) -> dict[str, str]:
    pins = {}
    for line in (root / "requirements" / "training.lock").read_text().splitlines():
        name, sep, version = line.strip().partition("==")
        if sep and not name.startswith("#"):
            pins[name.lower()] = version.split()[0]
    return pins


def snapshot(root: Path) -> dict[str, Any]:
    """Every file under ``root`` outside .git, with its content hash (nothing changed?)."""
    import hashlib

    found = {}
    for path in sorted(root.rglob("*")):
        if ".git" in path.relative_to(root).parts or not path.is_file():
            continue
        found[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def sample(tmp_path: Path) -> GitRepo:
    path = tmp_path / "demo"
    return make_repo(
        path, files=sample_files(), env={**os.environ, **isolated_git_env(tmp_path / "home")}
    )


@pytest.mark.slow
def test_host_target_on_the_sample_ends_green(sample: GitRepo, tmp_path: Path) -> None:
    root = sample.path
    init = [
        "init", "--profile", "training", "--branch", "feat/nodocker", "--data", "synthetic",
        "--target", "host", "--yes",
    ]  # fmt: skip
    first = devkit(sample, *init)
    assert first.returncode == 0
    assert sample.git("branch", "--show-current") == "feat/nodocker"
    assert json.loads((root / ".devkit" / "state.json").read_text())["target"] == "host"
    assert not (root / ".devcontainer").exists()  # no container files for the host target

    # The lockfile's pins live in the workspace's own environment, not in an interpreter of the
    # machine: the venv does not see system site-packages and numpy/pyarrow load from it.
    venv = root / ".devkit" / "venv"
    cfg = (venv / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in cfg
    probe = (
        "import json, importlib.metadata as m, numpy, pyarrow, sys;"
        "print(json.dumps({'prefix': sys.prefix, 'base': sys.base_prefix,"
        " 'numpy': numpy.__file__, 'pyarrow': pyarrow.__file__,"
        " 'versions': {n: m.version(n) for n in ('numpy', 'pyarrow')}}))"
    )
    facts = json.loads(
        subprocess.run(
            [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=True
        ).stdout
    )
    assert Path(facts["prefix"]) == venv
    assert Path(facts["base"]) != venv
    for name in ("numpy", "pyarrow"):
        assert Path(facts[name]).is_relative_to(venv), facts[name]
    assert facts["versions"] == lock_pins(root)
    assert sample.git("status", "--porcelain") == ""  # the venv and data are git-ignored

    # Warm: nothing to do, no pip, no engine.
    again = devkit(sample, "init", "--yes")
    assert again.returncode == 0
    assert "Nothing to do" in again.stdout + again.stderr

    ran = devkit(sample, "run", "--", "python", "training/train.py")
    assert ran.returncode == 0
    assert "trained on 10000 rows" in ran.stdout

    venv_path = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    ref = tmp_path / "ref.json"
    snap = devkit(
        sample, "parity", "snapshot", "--out", str(ref), env=env_for(sample, PATH=venv_path)
    )
    assert snap.returncode == 0
    assert json.loads(ref.read_text())["python"]["prefix"] == str(venv)
    # Without the venv on PATH, the snapshot follows the workspace's recorded target too.
    ref2 = tmp_path / "ref2.json"
    assert devkit(sample, "parity", "snapshot", "--out", str(ref2)).returncode == 0
    followed = json.loads(ref2.read_text())
    assert (followed["where"], followed["python"]["prefix"]) == ("host-venv", str(venv))

    check = devkit(sample, "check", "--reference", str(ref), "--format", "json")
    assert check.returncode == 0
    report = json.loads(check.stdout)
    assert report["ok"] is True
    assert report["run"]["where"] == "host-venv"
    rules = {r["id"]: r for r in report["rules"]}
    assert rules["base_image"]["status"] == "skipped"
    assert "host target" in rules["base_image"]["message"]
    assert rules["lockfile"]["status"] == "pass"
    assert rules["python"]["status"] == "pass"

    status = devkit(sample, "status", "--json")
    assert status.returncode == 0
    report = json.loads(status.stdout)
    assert report["target"] == "host"
    assert report["venv"]["present"] is True and report["venv"]["lockfile_stale"] is False

    down = devkit(sample, "down")
    assert down.returncode == 0
    assert "removed nothing (host target)" in down.stdout + down.stderr
    assert (venv / "bin" / "python").exists()


def _absent_python() -> str:
    for minor in (9, 8, 7, 6, 10, 12, 13):
        want = f"3.{minor}"
        exe = shutil.which(f"python{want}")
        if exe is None:
            return want
        ran = subprocess.run([exe, "-c", "print(1)"], capture_output=True, check=False)
        if ran.returncode != 0:  # a pyenv shim for a version not selected
            return want
    pytest.skip("this machine has every Python 3.6–3.13: no missing version to ask for")


def test_python_the_host_lacks_exits_2_naming_both_and_changes_nothing(tmp_path: Path) -> None:
    want = _absent_python()
    files = {
        "README.md": "# ws\n",
        ".devkit/profiles/old.yaml": (f"name: old\nextends: base\nimage: {{python: '{want}'}}\n"),
    }
    repo = make_repo(tmp_path / "ws", files=files)
    before = snapshot(repo.path)
    proc = devkit(
        repo, "init", "--profile", "old", "--branch", "feat/x", "--target", "host", "--yes"
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and lines[1].startswith("hint: "), proc.stderr
    assert f"Python {want}" in lines[0]
    assert "this machine has Python 3." in lines[0]
    assert "Traceback" not in proc.stderr
    assert repo.git("branch", "--list", "feat/x") == ""
    assert snapshot(repo.path) == before
    assert not (repo.path / ".devkit" / "venv").exists()


def test_no_engine_and_the_default_target_exits_3_naming_target_host(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "ws", files=sample_files())
    before = snapshot(repo.path)
    args = ("init", "--profile", "training", "--branch", "feat/x", "--data", "synthetic", "--yes")
    proc = devkit(repo, *args)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("error: "), proc.stderr
    assert "--target host" in lines[1]
    assert repo.git("branch", "--list", "feat/x") == ""
    assert repo.git("branch", "--show-current") == "main"
    assert snapshot(repo.path) == before  # no .devcontainer/, no state, no lock


def test_no_engine_comes_before_a_choice_the_plan_refuses(tmp_path: Path) -> None:
    # The engine is asked while the plan is made: its error still comes first (exit 3), as when
    # it was asked before the plan, and the plan's own refusal (exit 2) is not shown.
    repo = make_repo(tmp_path / "ws", files=sample_files())
    before = snapshot(repo.path)
    args = ("init", "--profile", "training", "--branch", "no..way", "--data", "none", "--yes")
    proc = devkit(repo, *args)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and "Docker Engine not reachable" in lines[0], proc.stderr
    assert "--target host" in lines[1]
    assert snapshot(repo.path) == before
    # With the engine's answer out of the way the same choice is refused by the plan.
    proc = devkit(repo, *args, "--target", "host")
    assert proc.returncode == 2, proc.stderr
