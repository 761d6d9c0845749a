"""Versioned JSON documents: fingerprints, run records and reports carry a format and version.

A reader accepts its own version and older ones it knows; a newer version is a clear error, so an
old devkit never reads a new reference as a (false) pass.
"""

from __future__ import annotations

import json
from typing import Any

from devkit.core.errors import ConfigError

FINGERPRINT = "devkit.fingerprint"
FINGERPRINT_VERSION = 1
RUN = "devkit.run"
RUN_VERSION = 1
REPORT = "devkit.parity-report"
REPORT_VERSION = 1


def parse_json(text: str | bytes, source: str, hint: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source} is not valid JSON ({exc})", hint) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source} is not a JSON object", hint)
    return data


def check_format(data: dict[str, Any], kind: str, version: int, source: str, hint: str) -> None:
    """Raise ConfigError unless ``data`` is a ``kind`` document this devkit can read."""
    found = data.get("format")
    if found != kind:
        shown = f"'{found}'" if isinstance(found, str) else "no format field"
        raise ConfigError(f"{source} is not a {kind} document ({shown})", hint)
    found_version = data.get("format_version")
    if not isinstance(found_version, int) or isinstance(found_version, bool) or found_version < 1:
        raise ConfigError(f"{source} has no valid format_version", hint)
    if found_version > version:
        raise ConfigError(
            f"{source} uses {kind} format {found_version}; this devkit reads up to {version}",
            "upgrade devkit ('pip install -U devkit') to read it",
        )
