"""The host target's pieces on real files and real interpreters (no engine, no network)."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.config.model import BranchPolicy, ImageSpec, ParityRule, Profile
from devkit.core.errors import ConfigError, RefusedError
from devkit.host import plan as host_plan
from devkit.host.python import find_python
from devkit.host.venv import VENV_REL, VenvStep, run_env, venv_python
from devkit.parity.evaluate import evaluate_rules
from devkit.parity.records import RunRecord
from devkit.parity.rules import base_image
from devkit.parity.rules.base import CheckInputs
from devkit.state import HOST_VENV_KEY, InitRecord, WorkspaceState, check_target

OWN = f"{sys.version_info[0]}.{sys.version_info[1]}"


def profile(python: str = OWN, lockfile: str | None = "req.lock") -> Profile:
    return Profile(
        name="demo",
        description="d",
        image=ImageSpec(base="img", python=python, lockfile=lockfile),
        source_files=(),
        branch=BranchPolicy(pattern=r"^feat/", base="main"),
    )


def test_the_rule_skips_the_base_image_for_a_host_target_run() -> None:
    assert base_image.HOST_TARGET == host_plan.WHERE
    fp = {"base_image": {"ref": "python:3.11-slim", "digest": "sha256:1"}}
    run_fp = {"base_image": {"ref": None, "digest": None}}

    def check(where: str) -> str:
        run = RunRecord(Path("r.json"), {"where": where, "fingerprint": copy.deepcopy(run_fp)})
        inp = CheckInputs(profile(), fp, run, Path("/nonexistent"), lambda: None, environ={})
        result = evaluate_rules(inp, [ParityRule("base_image", "error")], ["base_image"])[0]
        return f"{result.status}: {result.message} / {result.hint}"

    host = check(host_plan.WHERE)
    assert host.startswith("skipped: the run used the host target")
    assert "python:3.11-slim" in host
    # A plain host run (`devkit run --here` beside a container) is still a failure.
    assert check("host").startswith("fail:")


def test_the_target_is_recorded_and_read_back(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    state = WorkspaceState(tmp_path)
    assert state.target() == "container"
    state.record_init(InitRecord(profile="demo", target="host"))
    assert state.target() == "host" and state.profile() == "demo"
    with pytest.raises(ConfigError, match="unknown target 'vm'"):
        check_target("vm")


def test_a_missing_python_names_both_versions() -> None:
    with pytest.raises(ConfigError) as exc:
        find_python("2.1", "old", {"PATH": "/nonexistent"})
    assert "profile 'old' wants Python 2.1, this machine has Python 3." in exc.value.what
    assert "python2.1" in exc.value.hint


def test_devkits_own_interpreter_counts_when_it_matches() -> None:
    found = find_python(OWN, "demo", {"PATH": "/nonexistent"})
    assert found.version == OWN
    assert Path(found.path) == Path(sys.executable)


def test_run_env_puts_the_venv_first(tmp_path: Path) -> None:
    env = run_env(tmp_path, {"PATH": "/usr/bin", "PYTHONHOME": "/x"})
    assert env["PATH"].split(":")[0] == str(tmp_path / VENV_REL / "bin")
    assert env["VIRTUAL_ENV"] == str(tmp_path / VENV_REL)
    assert env["DEVKIT_WORKLOAD_PYTHON"] == str(venv_python(tmp_path))
    assert "PYTHONHOME" not in env


def _workspace(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "req.lock").write_text("numpy==2.4.6\n")
    return tmp_path


def test_a_venv_with_the_recorded_lockfile_is_left_alone_and_a_changed_one_resyncs(
    tmp_path: Path,
) -> None:
    from devkit.parity.lockfile import read_lockfile

    root = _workspace(tmp_path)
    step = VenvStep(root, profile(), find_python(OWN, "demo"))
    assert not step.is_done()
    assert any(line.startswith("create .devkit/venv") for line in step.describe())
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(root / VENV_REL)], check=True
    )
    sha = read_lockfile(root, "req.lock").sha256
    record = {"python": OWN, "lock_sha256": sha, "lockfile": "req.lock"}
    WorkspaceState(root).update(**{HOST_VENV_KEY: record})
    assert step.is_done()
    assert step.describe() == []
    (root / "req.lock").write_text("numpy==2.4.6\npyarrow==26.0.1\n")
    assert not step.is_done()
    assert step.describe() == ["pip install -r req.lock into .devkit/venv (2 pin(s))"]


def test_a_linked_venv_folder_is_refused(tmp_path: Path) -> None:
    from devkit.core.plan import StepContext

    root = _workspace(tmp_path)
    (root / ".devkit").mkdir()
    (tmp_path.parent / f"{tmp_path.name}-elsewhere").mkdir()
    (root / VENV_REL).symlink_to(tmp_path.parent / f"{tmp_path.name}-elsewhere")
    step = VenvStep(root, profile(), find_python(OWN, "demo"))
    with pytest.raises(RefusedError, match="symbolic link"):
        step.run(StepContext("venv", lambda event: None))


def test_the_dashboard_asks_no_engine_on_the_host_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devkit.tui.screens.dashboard import render_panels
    from devkit.tui.status import WorkspaceStatusSource

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent-devkit-test.sock")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    source = WorkspaceStatusSource(tmp_path)
    asked = source.snapshot().part("container")  # the container target asks the engine
    assert asked["error"].startswith("Docker Engine not reachable"), asked
    WorkspaceState(tmp_path).record_init(InitRecord(profile="demo", target="host"))
    found = source.snapshot()
    assert found.part("container") == {"state": "none", "target": "host"}
    panel = render_panels(found, now=0.0)["container"].plain
    assert "host target: the workload runs on this machine" in panel
