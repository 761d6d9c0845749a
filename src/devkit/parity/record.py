"""Where ``devkit check`` records its last result in the workspace, whoever ran it.

``devkit status`` and the dashboard read it, so a check run from the command line shows in
both, the same as one the dashboard ran.
"""

from __future__ import annotations

import os
from pathlib import Path

LAST_CHECK = ".devkit/parity/last.json"


def record_check(root: Path, report_json: str) -> Path:
    """Write the JSON report to .devkit/parity/last.json atomically; its path."""
    path = root / LAST_CHECK
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.write_text(report_json, encoding="utf-8")
    os.replace(part, path)
    return path
