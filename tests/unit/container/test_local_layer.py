"""The machine-local layer's inputs: the host user, the vendor choice, a stale lockfile copy."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.render import HostUser
from devkit.container.status import _files, render_lines
from devkit.core.plan import StepContext
from devkit.init.plan import Runtime, host_user, image_target, vendor_mode
from devkit.init.request import InitRequest, resolve_request
from devkit.workspace import Workspace


def workspace(tmp_path: Path) -> Path:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "training.lock").write_text("six==1.16.0\n")
    return tmp_path


@pytest.mark.skipif(os.getuid() != 0, reason="the owner rule applies to a root host")
def test_as_root_the_container_user_takes_the_workspace_owners_ids(tmp_path: Path) -> None:
    assert host_user(tmp_path) == HostUser(0, 0)
    os.chown(tmp_path, 1000, 1001)
    assert host_user(tmp_path) == HostUser(1000, 1001)


def test_vendor_choice_flag_then_environment_then_committed_wheel(tmp_path: Path) -> None:
    ws = Workspace(workspace(tmp_path))

    def chosen(request: InitRequest, env: dict[str, str]) -> bool:
        return vendor_mode(ws, resolve_request(request, ws, env))

    assert chosen(InitRequest("training", "feat/a", vendor=False), {"DEVKIT_VENDOR": "1"}) is False
    assert chosen(InitRequest("training", "feat/a"), {"DEVKIT_VENDOR": "1"}) is True
    assert chosen(InitRequest("training", "feat/a"), {}) is False
    vendor = tmp_path / ".devcontainer" / "vendor"
    vendor.mkdir(parents=True)
    (vendor / "acme_ml_devkit-0.0.9-py3-none-any.whl").write_bytes(b"x")
    assert chosen(InitRequest("training", "feat/a"), {}) is True, "a clone keeps the choice"


def test_status_says_when_the_lockfile_copy_is_stale(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    profile = ProfileSet(None).get("training")
    request = InitRequest(branch="feat/a", network="bridge", vendor=True)
    runtime = Runtime(host_user=HostUser(1000, 1000))
    rendered = image_target(Workspace(root), profile, request, runtime).inputs.rendered
    DevcontainerFilesStep(root, rendered).run(StepContext("devcontainer", lambda e: None))
    assert _files(root, profile)["in_sync"] is True
    (root / "requirements" / "training.lock").write_text("six==1.17.0\n")
    found = _files(root, profile)
    assert found["differ"] == [".devcontainer/workload.lock"] and found["lockfile_stale"]
    report = {
        "workspace": str(root),
        "profile": "training",
        "branch": {"error": "no git"},
        "devcontainer": found,
        "image": {},
        "container": {"state": "none"},
        "data": {"folder": None},
    }
    text = "\n".join(render_lines(report))
    assert "run devkit init to refresh its copy" in text
    assert "--override-config .devkit/devcontainer.local.json" in text
