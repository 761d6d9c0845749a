"""devkit.state: the one reader and writer of .devkit/ bookkeeping, on real files."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devkit.core.errors import ConfigError, RefusedError
from devkit.state import (
    POST_CREATE_KEY,
    CheckRecord,
    ImageRecord,
    InitRecord,
    WorkspaceState,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def test_a_fresh_workspace_reads_as_the_defaults(root: Path) -> None:
    state = WorkspaceState(root)
    assert state.last_init() == InitRecord()
    assert (state.profile(), state.target()) == (None, "container")
    assert state.image() == ImageRecord()
    assert state.last_check() is None
    assert state.entry(POST_CREATE_KEY) == {}
    assert not (root / ".devkit").exists(), "reading creates nothing"


def test_the_last_init_round_trips_in_the_files_other_tools_read(root: Path) -> None:
    state = WorkspaceState(root)
    record = InitRecord("training", "container", "devkit-base:bookworm", "host", "synthetic")
    state.record_init(record)
    assert state.last_init() == record
    assert (root / ".devkit" / "profile").read_text() == "training\n"
    data = json.loads((root / ".devkit" / "state.json").read_text())
    assert data["target"] == "container" and data["render"]["network"] == "host"
    assert (root / ".devkit" / ".gitignore").is_file()
    state.record_image(ImageRecord("devkit/training:abc", "f" * 64))
    state.update(**{POST_CREATE_KEY: {"ok": True}})
    assert state.last_init() == record, "other keys leave the init's record alone"
    assert state.image().tag == "devkit/training:abc"
    state.forget(POST_CREATE_KEY)
    assert state.entry(POST_CREATE_KEY) == {}
    with pytest.raises(ConfigError, match="unknown target 'vm'"):
        state.record_init(InitRecord("training", "vm"))


def test_corrupt_or_odd_values_read_as_the_defaults(root: Path) -> None:
    (root / ".devkit").mkdir()
    (root / ".devkit" / "state.json").write_text("{not json")
    assert WorkspaceState(root).last_init() == InitRecord()
    odd = {"target": "vm", "render": {"network": 7, "vendor": "yes", "data": ""}}
    (root / ".devkit" / "state.json").write_text(json.dumps(odd))
    assert WorkspaceState(root).last_init() == InitRecord()


def test_the_last_check_whoever_ran_it(root: Path) -> None:
    state = WorkspaceState(root)
    path = state.record_check(json.dumps({"ok": False, "summary": {"pass": 5, "fail": 2}}))
    found = state.last_check()
    assert found == CheckRecord(False, {"pass": 5, "fail": 2}, path.stat().st_mtime)


def test_a_committed_symlink_is_never_followed(
    root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "state.json").write_text(json.dumps({"target": "host"}))
    (root / ".devkit").mkdir()
    (root / ".devkit" / "state.json").symlink_to(outside / "state.json")
    subprocess.run(["git", "-C", str(root), "add", ".devkit/state.json"], check=True)
    state = WorkspaceState(root)
    assert state.target() == "container", "the repository's link is not read"
    with pytest.raises(RefusedError):
        state.record_init(InitRecord("training"))
    assert json.loads((outside / "state.json").read_text()) == {"target": "host"}
