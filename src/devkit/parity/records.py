"""Run records: what ran, where, how it ended, and the fingerprint it ran in.

Each run is one file, ``.devkit/runs/<UTC timestamp>-<id>.json``; the newest name is the
latest run. Shape (format ``devkit.run``, version 1)::

    {"format": "devkit.run", "format_version": 1, "id": HEX, "profile": NAME,
     "command": [ARG, ...], "where": "host" | "container:NAME", "exit_code": INT,
     "started": ISO-8601 UTC, "started_epoch": FLOAT, "duration_s": FLOAT,
     "fingerprint_s": FLOAT, "fingerprint": {...}}
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.core.errors import ConfigError, NotReadyError
from devkit.core.records import dataclass
from devkit.parity import fingerprint as fp
from devkit.parity import formats

KEEP_RUNS = 100  # older records are pruned when a new one is written
_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}\.json$")


@dataclass(frozen=True)
class RunRecord:
    path: Path
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def exit_code(self) -> int:
        return int(self.data["exit_code"])

    @property
    def started_epoch(self) -> float:
        return float(self.data["started_epoch"])

    @property
    def fingerprint(self) -> dict[str, Any]:
        fingerprint: dict[str, Any] = self.data["fingerprint"]
        return fingerprint

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path.name,
            "command": self.data["command"],
            "where": self.data.get("where"),
            "exit_code": self.exit_code,
            "started": self.data["started"],
            "duration_s": self.data["duration_s"],
        }


def new_record(
    profile: str,
    command: list[str],
    where: str,
    exit_code: int,
    started_epoch: float,
    duration_s: float,
    fingerprint: dict[str, Any],
    fingerprint_s: float,
) -> dict[str, Any]:
    started = datetime.fromtimestamp(started_epoch, UTC)
    return {
        "format": formats.RUN,
        "format_version": formats.RUN_VERSION,
        "id": uuid.uuid4().hex[:8],
        "profile": profile,
        "command": command,
        "where": where,
        "exit_code": exit_code,
        "started": started.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "started_epoch": started_epoch,
        "duration_s": round(duration_s, 3),
        "fingerprint_s": round(fingerprint_s, 3),
        "fingerprint": fingerprint,
    }


def write_record(runs_dir: Path, record: dict[str, Any]) -> Path:
    """Write atomically (a reader never sees half a record); returns the path."""
    started = datetime.fromtimestamp(record["started_epoch"], UTC)
    name = f"{started.strftime('%Y%m%dT%H%M%S.%f')}Z-{record['id']}.json"

    path = runs_dir / name
    safefs.write_text(path, json.dumps(record, indent=1, sort_keys=False) + "\n")
    prune(runs_dir, KEEP_RUNS)
    return path


def prune(runs_dir: Path, keep: int) -> int:
    """Delete all but the newest ``keep`` records (devkit's own files only); how many went."""
    old = record_paths(runs_dir)[:-keep] if keep > 0 else []

    for path in old:
        safefs.unlink(path)
    return len(old)


def read_record(path: Path) -> RunRecord:
    shown = path.name
    hint = f"delete {path} and record a new run with 'devkit run -- CMD'"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read run record {shown}: {exc}", hint) from None
    data = formats.parse_json(text, f"run record {shown}", hint)
    formats.check_format(data, formats.RUN, formats.RUN_VERSION, f"run record {shown}", hint)
    checks = (
        ("id", str),
        ("command", list),
        ("exit_code", int),
        ("started", str),
        ("started_epoch", (int, float)),
        ("duration_s", (int, float)),
        ("fingerprint", dict),
    )
    for key, kind in checks:
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise ConfigError(f"run record {shown} is corrupt: '{key}' is missing or wrong", hint)
    try:
        fp.validate(data["fingerprint"], f"run record {shown}")
    except ConfigError as exc:
        raise ConfigError(f"run record {shown} is corrupt: {exc.what}", hint) from None
    return RunRecord(path, data)


def record_paths(runs_dir: Path) -> list[Path]:
    if not runs_dir.is_dir():
        return []
    return sorted(p for p in runs_dir.iterdir() if _NAME.match(p.name))


def latest_record(runs_dir: Path, profile: str | None = None) -> RunRecord:
    """The newest run (of ``profile`` when given); NotReadyError when there is none."""
    for path in reversed(record_paths(runs_dir)):
        record = read_record(path)
        if profile is None or record.data.get("profile") == profile:
            return record
    which = f" for profile '{profile}'" if profile else ""
    raise NotReadyError(
        f"no run recorded yet{which} (looked in {runs_dir.name}/)",
        "run your workload once with 'devkit run -- CMD' (or 'devkit run --here -- CMD')",
    )
