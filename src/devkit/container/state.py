"""``.devkit/state.json``: what devkit built and ran in this workspace (read-merge-write)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

STATE_FILE = ".devkit/state.json"


def read_state(workspace: Path) -> dict[str, Any]:
    try:
        data = json.loads((workspace / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def update_state(workspace: Path, key: str, value: Any) -> None:
    from devkit.container.files_step import atomic_write
    from devkit.workspace import Workspace

    Workspace(workspace).ensure_state()
    data = read_state(workspace)
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    atomic_write(workspace / STATE_FILE, json.dumps(data, indent=2, sort_keys=True) + "\n")
