"""``.devkit/state.json``: what devkit built and ran in this workspace (read-merge-write)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.errors import DevkitError
from devkit.workspace import Workspace

STATE_FILE = ".devkit/state.json"


def read_state(workspace: Path) -> dict[str, Any]:
    """The state, or {} when it is missing, unreadable, or a symlink the repository committed."""

    try:
        body = safefs.read_bytes(workspace / STATE_FILE, 16 << 20, root=workspace, missing_ok=True)
        data = json.loads(body) if body else {}
    except (OSError, ValueError, RecursionError, DevkitError):
        return {}
    return data if isinstance(data, dict) else {}


def update_state(workspace: Path, key: str, value: Any) -> None:
    Workspace(workspace).ensure_state()
    data = read_state(workspace)
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    safefs.write_text(workspace / STATE_FILE, json.dumps(data, indent=2, sort_keys=True) + "\n")
