"""Which remote objects the sample takes, and where each lands — contained in its folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from devkit.config.model import SampleRules
from devkit.core.errors import RefusedError
from devkit.core.records import dataclass
from devkit.data.names import RESERVED_PREFIX
from devkit.digest import sha256
from devkit.safefs import confine_problem


@dataclass(frozen=True)
class RemoteObject:
    key: str
    size: int
    etag: str = ""
    last_modified: str = ""
    checksum_algorithm: str = ""

    @property
    def multipart(self) -> bool:
        return "-" in self.etag.strip('"')


def relative_key(key: str, prefix: str) -> str | None:
    """The key's path below the source prefix; None for folder markers ("dir/")."""
    rel = key[len(prefix) :] if prefix and key.startswith(prefix) else key
    if rel == "" or rel.endswith("/"):
        return None
    return rel


def check_relpath(rel: str, key: str) -> str:
    """``rel`` when it stays inside the destination; RefusedError otherwise."""
    reason = confine_problem(rel)
    if reason is None and any(part.startswith(RESERVED_PREFIX) for part in rel.split("/")):
        reason = f"uses devkit's reserved name prefix '{RESERVED_PREFIX}'"
    if reason:
        shown = key if len(key) <= 120 else key[:120] + "…"
        raise RefusedError(
            f"remote key {shown!r} {reason}: it could land outside the destination",
            "nothing was written; ask the dataset's owner to rename the key",
        )
    return rel


def check_no_symlink(
    dest: Path, rel: str, key: str, checked: set[str] | None = None
) -> os.stat_result | None:
    """Refuse when a symlink (or a non-folder) sits on the way to ``dest/rel``; return what is at
    ``dest/rel`` itself (its ``lstat``: never a symlink), or None when nothing is.

    ``checked``: folders (relative) already found to be real folders by an earlier call in the
    same pass; they are not looked at again, and the ones found here are added (a listing of
    thousands of keys in a few folders then costs one ``lstat`` per key)."""
    parts = rel.split("/")
    current = str(dest)
    for i, part in enumerate(parts):
        current = os.path.join(current, part)
        last = i == len(parts) - 1
        folder = "/".join(parts[: i + 1]) if not last and checked is not None else None
        if folder is not None and checked is not None and folder in checked:
            continue
        try:
            found = os.lstat(current)
        except OSError:
            return None  # nothing there, nor below it
        if stat.S_ISLNK(found.st_mode):
            raise RefusedError(
                f"{current} is a symlink in the way of remote key {key!r}",
                "remove the symlink (devkit never writes through one) and sync again",
            )
        if not last and not stat.S_ISDIR(found.st_mode):
            raise RefusedError(
                f"{current} is a file where remote key {key!r} needs a folder",
                "move it away and sync again",
            )
        if folder is not None and checked is not None:
            checked.add(folder)
        if last:
            return found
    return None


def key_fraction(key: str) -> float:
    """A stable number in [0, 1) from the key, for sampling a deterministic fraction."""
    return int.from_bytes(sha256(key.encode("utf-8")).digest()[:8], "big") / 2.0**64


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatchcase(rel, p) or fnmatchcase(name, p) for p in patterns)


def select(objects: Iterable[RemoteObject], rules: SampleRules, prefix: str) -> list[RemoteObject]:
    """The sample: prefixes, include/exclude globs, fraction by key hash, then the size limits
    applied in key order (an object that would pass max_bytes is skipped, later ones may fit)."""
    chosen: list[RemoteObject] = []
    total = 0
    for obj in sorted(objects, key=lambda o: o.key):
        rel = relative_key(obj.key, prefix)
        if rel is None:
            continue
        if rules.prefixes and not any(rel.startswith(p) for p in rules.prefixes):
            continue
        if rules.include and not _matches(rel, rules.include):
            continue
        if rules.exclude and _matches(rel, rules.exclude):
            continue
        if rules.fraction is not None and key_fraction(obj.key) >= rules.fraction:
            continue
        if rules.max_objects is not None and len(chosen) >= rules.max_objects:
            break
        if rules.max_bytes is not None and total + obj.size > rules.max_bytes:
            continue
        chosen.append(obj)
        total += obj.size
    return chosen


def table_file(name: str, table: Mapping[str, Any]) -> str:
    """Where a declared table lands under the destination: its ``path`` or NAME.FORMAT."""
    return str(table.get("path") or f"{name}.{table.get('format', 'parquet')}")
