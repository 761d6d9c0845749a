"""The devcontainer files step on a real folder: create, leave alone, refuse, back up."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.render import HostUser, render
from devkit.errors import RefusedError
from devkit.events import Event, Log
from devkit.plan import StepContext


def ctx(events: list[Event]) -> StepContext:
    return StepContext("devcontainer", events.append)


def step(ws: Path, overwrite: bool = False) -> DevcontainerFilesStep:
    rendered = render(ProfileSet(None).get("training"), None, HostUser(0, 0))
    return DevcontainerFilesStep(ws, rendered, overwrite)


def test_creates_then_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    first = step(tmp_path)
    assert not first.is_done()
    assert first.describe() == [
        "create .devcontainer/devcontainer.json",
        "create .devcontainer/Dockerfile",
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
    changed = render(ProfileSet(None).get("api"), None, HostUser(0, 0))
    follow = DevcontainerFilesStep(tmp_path, changed, overwrite=False)
    assert follow.replacements() == [], "nobody edited them: no question"
    result = follow.run(ctx([]))
    assert "2 replaced" in result.summary
    assert len(list((tmp_path / ".devkit" / "backups").glob("*/.devcontainer/*"))) == 2
    assert DevcontainerFilesStep(tmp_path, changed).is_done()
