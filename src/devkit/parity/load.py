"""Load a fingerprint from wherever a user names one: a file, a run record, S3 or 'latest'."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.config.environments import load_environments
from devkit.core.errors import ConfigError
from devkit.parity import fingerprint as fp
from devkit.parity import formats
from devkit.parity.records import latest_record, read_record
from devkit.parity.s3io import get_object
from devkit.state import WorkspaceState

if TYPE_CHECKING:
    from devkit.workspace import Workspace

LATEST = "latest"


def load_fingerprint(spec: str, ws: Workspace) -> dict[str, Any]:
    if spec == LATEST:
        return latest_record(WorkspaceState(ws).runs_dir).fingerprint
    if spec.startswith("s3://"):
        body = get_object(spec, load_environments(ws.root))
        return fp.validate(formats.parse_json(body, spec, "point at a fingerprint"), spec)
    path = Path(spec).expanduser()
    hint = "name a fingerprint file, a run record in .devkit/runs/, s3://BUCKET/KEY or 'latest'"
    if not path.is_file():
        raise ConfigError(f"{spec} does not exist", hint)
    try:
        data = formats.parse_json(path.read_bytes(), spec, hint)
    except OSError as exc:
        raise ConfigError(f"cannot read {spec}: {exc}", hint) from None
    if data.get("format") == formats.RUN:
        return read_record(path).fingerprint
    return fp.validate(data, spec)
