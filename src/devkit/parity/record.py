"""Where ``devkit check`` records its last result in the workspace, whoever ran it.

``devkit status`` and the dashboard read it, so a check run from the command line shows in
both, the same as one the dashboard ran. Written and read through ``safefs`` like every other
state file (no symlink followed, atomic replace).
"""

from __future__ import annotations

from pathlib import Path

from devkit import safefs

LAST_CHECK = ".devkit/parity/last.json"
MAX_BYTES = 16 << 20


def record_check(root: Path, report_json: str) -> Path:
    """Write the JSON report to .devkit/parity/last.json atomically; its path."""

    path = root / LAST_CHECK
    safefs.ensure_dir(path.parent, root=root)
    safefs.write_text(path, report_json, root=root)
    return path


def read_check(root: Path) -> bytes | None:
    """The recorded report's bytes; None when there is none."""

    return safefs.read_bytes(root / LAST_CHECK, MAX_BYTES, root=root, missing_ok=True)
