"""The devcontainer files step on a real folder: create, leave alone, refuse, back up."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.render import HostUser, LocalLayer, default_source, render
from devkit.core.errors import RefusedError
from devkit.core.events import Event, Log
from devkit.core.plan import StepContext


def ctx(events: list[Event]) -> StepContext:
    return StepContext("devcontainer", events.append)


def step(
    ws: Path, overwrite: bool = False, layer: LocalLayer | None = None, vendor: bool = False
) -> DevcontainerFilesStep:
    rendered = render(ProfileSet(None).get("training"), layer, default_source(vendor))
    return DevcontainerFilesStep(ws, rendered, overwrite)


CREATED = [
    ".devcontainer/devcontainer.json",
    ".devcontainer/Dockerfile",
    ".devcontainer/trust-install.sh",
    ".devcontainer/host-trust.sh",
    ".devcontainer/devkit-install.sh",
    ".devcontainer/workload.lock",
    ".devcontainer/devkit-deps.txt",
]


def test_creates_then_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    first = step(tmp_path)
    assert not first.is_done()
    assert first.describe() == [
        *(f"create {rel}" for rel in CREATED),
        "create .devcontainer/devkit-pin.txt",
        "write .devkit/devcontainer.local.json (this machine's layer, git-ignored)",
    ]
    first.run(ctx([]))
    config = tmp_path / ".devcontainer" / "devcontainer.json"
    mtime = config.stat().st_mtime_ns
    again = step(tmp_path)
    assert again.is_done() and again.describe() == []
    assert config.stat().st_mtime_ns == mtime
    assert not list(tmp_path.glob(".devcontainer/.*tmp")), "no temporary file left"


def test_refuses_to_replace_an_edited_file_without_permission(tmp_path: Path) -> None:
    step(tmp_path).run(ctx([]))
    config = tmp_path / ".devcontainer" / "devcontainer.json"
    config.write_text("// mine\n{}\n")
    with pytest.raises(RefusedError) as refused:
        step(tmp_path).run(ctx([]))
    assert "--force" in refused.value.hint
    assert config.read_text() == "// mine\n{}\n"
    assert not (tmp_path / ".devkit" / "backups").exists()


def test_replacing_keeps_a_backup_and_reports_the_diff(tmp_path: Path) -> None:
    step(tmp_path).run(ctx([]))
    config = tmp_path / ".devcontainer" / "devcontainer.json"
    config.write_text("// mine\n{}\n")
    dockerfile_mtime = (tmp_path / ".devcontainer" / "Dockerfile").stat().st_mtime_ns
    events: list[Event] = []
    result = step(tmp_path, overwrite=True).run(ctx(events))
    (backup,) = (tmp_path / ".devkit" / "backups").glob("*/.devcontainer/devcontainer.json")
    assert backup.read_text() == "// mine\n{}\n"
    lines = [e.line for e in events if isinstance(e, Log)]
    assert "-// mine" in lines and any(line.startswith("+{") for line in lines)
    assert "1 replaced" in result.summary
    assert (tmp_path / ".devcontainer" / "Dockerfile").stat().st_mtime_ns == dockerfile_mtime
    assert step(tmp_path).is_done()


def test_files_devkit_wrote_follow_a_profile_change_without_asking(tmp_path: Path) -> None:
    step(tmp_path).run(ctx([]))
    changed = render(ProfileSet(None).get("api"), None, default_source())
    follow = DevcontainerFilesStep(tmp_path, changed, overwrite=False)
    assert follow.replacements() == [], "nobody edited them: no question"
    result = follow.run(ctx([]))
    assert "4 replaced" in result.summary  # devcontainer.json, Dockerfile, both scripts' header
    assert len(list((tmp_path / ".devkit" / "backups").glob("*/.devcontainer/*"))) == 4
    assert DevcontainerFilesStep(tmp_path, changed).is_done()


def test_a_fresh_clone_with_identical_files_is_recorded_not_rewritten(tmp_path: Path) -> None:
    """Someone else's clone: no .devkit/state.json, files exactly as rendered (committed)."""
    clone = tmp_path / "clone"
    step(tmp_path / "origin", vendor=True).run(ctx([]))
    (clone / ".devcontainer").parent.mkdir(parents=True)
    import shutil

    shutil.copytree(tmp_path / "origin" / ".devcontainer", clone / ".devcontainer")
    mtimes = {p: p.stat().st_mtime_ns for p in (clone / ".devcontainer").rglob("*")}
    mine = step(
        clone, layer=LocalLayer(HostUser(0, 0), "devkit-base:bookworm", "host"), vendor=True
    )
    assert mine.changes() == [] and mine.replacements() == []
    assert not mine.is_done()
    result = mine.run(ctx([]))
    assert "already match" in result.summary
    assert {p: p.stat().st_mtime_ns for p in (clone / ".devcontainer").rglob("*")} == mtimes
    assert not (clone / ".devkit" / "backups").exists(), "no backup churn"
    override = (clone / ".devkit" / "devcontainer.local.json").read_text()
    assert "devkit-base:bookworm" in override and "--network=host" in override
    assert mine.is_done()


def test_switching_from_vendor_to_index_removes_the_wheel_devkit_wrote(tmp_path: Path) -> None:
    step(tmp_path, vendor=True).run(ctx([]))
    wheels = list((tmp_path / ".devcontainer" / "vendor").glob("*.whl"))
    assert len(wheels) == 1
    indexed = step(tmp_path, vendor=False)
    assert indexed.stale() == [wheels[0].relative_to(tmp_path).as_posix()]
    result = indexed.run(ctx([]))
    assert "1 removed" in result.summary and not wheels[0].exists()
    assert list((tmp_path / ".devkit" / "backups").glob("*/.devcontainer/vendor/*.whl"))
