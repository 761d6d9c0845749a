from __future__ import annotations

from devkit.cli import run

run()
