"""devkit's JSON contract: one versioned JSON Schema (draft 2020-12) per ``--json`` output.

``NAME.vN.schema.json``: within a version, changes are additive only (new optional fields); a
change that could break a script (a field removed, renamed or retyped) ships as a new version
file. ``schema_for(argv)`` names the schema an invocation's ``--json`` output follows.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

# (command words) → schema name; plan commands print the event stream, one object per line.
REPORTS: dict[tuple[str, ...], str] = {
    ("check",): "check",
    ("status",): "status",
    ("profiles", "list"): "profiles-list",
    ("profiles", "show"): "profiles-show",
    ("data", "schema"): "data-schema",
}
EVENT_STREAM = "events"
VERSION = 1


def load(name: str, version: int = VERSION) -> dict[str, Any]:
    text = (resources.files(__name__) / f"{name}.v{version}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_for(words: tuple[str, ...]) -> tuple[str, bool]:
    """(schema name, one document?) for a command given by its words (``("profiles", "list")``);
    a command that runs a plan prints the event stream, one JSON object per line."""
    for length in (2, 1):
        name = REPORTS.get(words[:length])
        if name:
            return name, True
    return EVENT_STREAM, False


def names() -> list[str]:
    return sorted(
        entry.name.split(".")[0]
        for entry in resources.files(__name__).iterdir()
        if entry.name.endswith(".schema.json")
    )
