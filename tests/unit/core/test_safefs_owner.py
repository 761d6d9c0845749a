"""A root devkit in someone else's workspace leaves what it creates to that someone."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from devkit import safefs

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own files as another")


def test_folders_and_files_created_by_root_belong_to_the_workspace_owner(tmp_path: Path) -> None:
    ws = tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    os.chown(ws, 1000, 1000)
    safefs.write_text(ws / ".devkit" / "logs" / "a.log", "x", root=ws)
    with safefs.open_text_write(ws / ".devkit" / "logs" / "b.log", root=ws) as fh:
        fh.write("y")
    os.close(safefs.open_append(ws / ".devkit" / "journal", root=ws))
    for path in (".devkit", ".devkit/logs", ".devkit/logs/a.log", ".devkit/logs/b.log"):
        info = os.stat(ws / path)
        assert (info.st_uid, info.st_gid) == (1000, 1000), path
    assert os.stat(ws / ".devkit" / "journal").st_uid == 1000


def test_a_root_owned_workspace_stays_root_owned(tmp_path: Path) -> None:
    ws = tmp_path / "mine"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    safefs.write_text(ws / ".devkit" / "state.json", "{}", root=ws)
    assert os.stat(ws / ".devkit").st_uid == 0
    assert os.stat(ws / ".devkit" / "state.json").st_uid == 0
