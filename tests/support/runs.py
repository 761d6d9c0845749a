"""Run records for tests, written by devkit's own writer (``parity.records``)."""

from __future__ import annotations

from pathlib import Path

from devkit.parity.records import new_record, write_record

FINGERPRINT = {
    "format": "devkit.fingerprint",
    "format_version": 1,
    "profile": "training",
    "python": {"version": "3.11.7"},
    "distributions": {},
    "env_names": [],
}


def write_run(workspace: Path, command: list[str], exit_code: int, started: float) -> Path:
    """A run of ``command`` that ended with ``exit_code``, started at epoch ``started``."""
    record = new_record(
        "training", command, "host", exit_code, started, 1.0, dict(FINGERPRINT), 0.1
    )
    runs = workspace / ".devkit" / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    return write_record(runs, record)
