"""The workload's lockfile: a hash that ignores formatting, and the versions it pins.

Comments, blank lines, line continuations, option lines (``--hash``, ``--index-url``), spacing,
name spelling (``Typing_Extensions`` vs ``typing-extensions``) and order do not change the hash;
a changed, added or removed requirement does.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.core.errors import ConfigError
from devkit.core.records import dataclass, field
from devkit.parity.probe import normalise_name

_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")
_PIN = re.compile(r"^===?\s*([^\s,;]+)$")


@dataclass(frozen=True)
class Lockfile:
    path: str
    sha256: str | None  # None when the file does not exist
    pins: dict[str, str] = field(default_factory=dict)
    unpinned: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "pins": dict(sorted(self.pins.items())),
            "unpinned": list(self.unpinned),
        }


MAX_LOCKFILE_BYTES = 16 << 20


def logical_lines(text: str) -> list[str]:
    """Requirement lines with continuations joined and comments and options removed."""
    joined = re.sub(r"\\\r?\n", " ", text)
    lines = []
    for raw in joined.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line or line.startswith("-"):
            continue
        line = re.sub(r"\s--hash[= ]\S+", "", line).strip()
        lines.append(line)
    return lines


def normalise_line(line: str) -> str:
    match = _NAME.match(line)
    if not match:
        return re.sub(r"\s+", "", line)
    name, extras, rest = match.groups()
    extras = ",".join(sorted(e.strip().lower() for e in extras[1:-1].split(","))) if extras else ""
    spec, _, marker = rest.partition(";")
    text = normalise_name(name) + (f"[{extras}]" if extras else "") + re.sub(r"\s+", "", spec)
    if marker.strip():
        text += ";" + re.sub(r"\s+", " ", marker.strip())
    return text


def parse_lockfile(text: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    """(normalised sha256, pins name -> version, unpinned requirement lines)."""
    normalised = sorted({normalise_line(line) for line in logical_lines(text)})
    digest = hashlib.sha256("\n".join(normalised).encode("utf-8")).hexdigest()
    pins: dict[str, str] = {}
    unpinned: list[str] = []
    for line in normalised:
        requirement = line.split(";", 1)[0]
        match = _NAME.match(requirement)
        pin = _PIN.match(match.group(3)) if match else None
        if match and pin:
            pins[normalise_name(match.group(1))] = pin.group(1)
        else:
            unpinned.append(line)
    return f"sha256:{digest}", pins, tuple(unpinned)


def read_lockfile(root: Path, rel: str) -> Lockfile:
    safefs.check_relpath(rel, "image.lockfile", "name a lockfile inside the workspace")
    path = root / rel
    try:
        data = safefs.read_bytes(path, MAX_LOCKFILE_BYTES, root=root, missing_ok=True)
        if data is None:
            return Lockfile(rel, None)
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read the lockfile {rel}: {exc}", "fix the file or the profile's image.lockfile"
        ) from None
    digest, pins, unpinned = parse_lockfile(text)
    return Lockfile(rel, digest, pins, unpinned)
