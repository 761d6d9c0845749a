"""A private cache of configuration documents already parsed without a problem.

Reading a profile means parsing YAML with positions (``yamlmarks``); every command reads the
built-in profiles, the workspace's profiles and the environments map, and importing and running
the parser is a fixed cost of each (a no-op ``sync-data`` included). A document that loaded with
no problem is stored here, as JSON, under the SHA-256 of its shown name and its exact text: the
next load of the very same bytes reads the stored values and positions back; any change to the
text is another key, so an entry is never used for other content. Only documents made of JSON's
own values (text, whole numbers, finite floats, booleans, null, lists, mappings with text keys)
and dates or timestamps (stored apart, by path, in ISO 8601) are stored: anything else (binary,
a set) is parsed every time.

* the folder is ``$DEVKIT_CACHE_DIR/config`` (else ``$XDG_CACHE_HOME/devkit/config``, else
  ``~/.cache/devkit/config``), a private folder (0700) of this user; entries are 0600 files
  written atomically through ``safefs``; a folder that is a symlink, another user's or open to
  others is never used;
* bounded: an entry is at most ``MAX_ENTRY`` bytes, and the folder keeps at most ``MAX_ENTRIES``
  of them (the oldest go first);
* ``DEVKIT_CONFIG_CACHE=0`` turns it off; anything unreadable is a miss, never an error.
"""

from __future__ import annotations

import json
import math
import os
from datetime import date, datetime
from pathlib import Path

from devkit import privatefs
from devkit.core.errors import DevkitError
from devkit.core.userdirs import cache_root, switched_on
from devkit.digest import sha256

FORMAT = 1
MAX_ENTRY = 4 << 20
MAX_ENTRIES = 64
SUFFIX = ".json"

Positions = dict[tuple[str | int, ...], tuple[int, int]]


def folder() -> Path:
    return cache_root() / "config"


def enabled() -> bool:
    return switched_on("DEVKIT_CONFIG_CACHE")


def _name(text: str, file: str) -> str:
    digest = sha256(f"{FORMAT}\0{file}\0".encode() + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:40] + SUFFIX


class _NotPlain(Exception):
    pass


def _split(value: object, path: list[str | int], dates: list[list[object]]) -> object:
    """``value`` as JSON's own values, its dates and timestamps moved to ``dates`` as
    [path, kind, ISO 8601] (None left in their place); _NotPlain for anything else."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotPlain
        return value
    if isinstance(value, list):
        return [_split(v, [*path, i], dates) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _NotPlain
        return {k: _split(v, [*path, k], dates) for k, v in value.items()}
    if type(value) is datetime and datetime.fromisoformat(value.isoformat()) == value:
        dates.append([path, "datetime", value.isoformat()])
        return None
    if type(value) is date:
        dates.append([path, "date", value.isoformat()])
        return None
    raise _NotPlain


def _plain(value: object) -> bool:
    """Whether ``value`` is made of JSON's own values only."""
    try:
        return _only_json(value)
    except _NotPlain:
        return False


def _only_json(value: object) -> bool:
    dates: list[list[object]] = []
    _split(value, [], dates)
    return not dates


def _put_dates(data: object, raw: object) -> bool:
    """Put the stored dates back into ``data``; False when ``raw`` is not well formed."""
    if not isinstance(raw, list):
        return False
    for item in raw:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], list)):
            return False
        path, kind, text = item
        if not path or not isinstance(text, str) or kind not in ("date", "datetime"):
            return False
        try:
            value: object = (
                date.fromisoformat(text) if kind == "date" else datetime.fromisoformat(text)
            )
        except ValueError:
            return False
        parent = data
        for step in path[:-1]:
            try:
                parent = parent[step]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                return False
        last = path[-1]
        if isinstance(parent, dict) and isinstance(last, str) and last in parent:
            parent[last] = value
            continue
        if not (isinstance(parent, list) and type(last) is int and 0 <= last < len(parent)):
            return False
        parent[last] = value
    return True


def _positions(raw: object) -> Positions | None:
    if not isinstance(raw, list):
        return None
    out: Positions = {}
    for item in raw:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], list)):
            return None
        path, line, col = item
        if not all(isinstance(p, str | int) and not isinstance(p, bool) for p in path):
            return None
        if not (type(line) is int and type(col) is int):
            return None
        out[tuple(path)] = (line, col)
    return out


# A cache never changes an outcome: whatever goes wrong in it (a value JSON cannot hold, an entry
# another devkit removed meanwhile, a refused folder) is a miss, never an error of the command.
_MISS = (OSError, ValueError, TypeError, RecursionError, DevkitError)


def get(text: str, file: str) -> tuple[object, Positions, Positions] | None:
    """(data, value positions, key positions) stored for exactly this ``text`` of ``file``."""
    try:
        return _get(text, file)
    except _MISS:
        return None


def put(text: str, file: str, data: object, values: Positions, keys: Positions) -> None:
    """Store a document that loaded without a problem (nothing when it is not plain JSON)."""
    try:
        _put(text, file, data, values, keys)
    except _MISS:
        return


def _get(text: str, file: str) -> tuple[object, Positions, Positions] | None:
    if not enabled():
        return None
    raw = privatefs.read_private(folder(), _name(text, file), MAX_ENTRY)
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    if entry.get("file") != file or entry.get("sha256") != _sha(text):
        return None
    values, keys = _positions(entry.get("values")), _positions(entry.get("keys"))
    data = entry.get("data")
    if values is None or keys is None or not _plain(data):
        return None
    if not _put_dates(data, entry.get("dates", [])):
        return None
    return data, values, keys


def _sha(text: str) -> str:
    return sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _put(text: str, file: str, data: object, values: Positions, keys: Positions) -> None:
    if not enabled():
        return
    dates: list[list[object]] = []
    try:
        plain = _split(data, [], dates)
    except _NotPlain:
        return
    entry = {
        "format": FORMAT,
        "file": file,
        "sha256": _sha(text),
        "data": plain,
        "dates": dates,
        "values": [[list(p), *pos] for p, pos in values.items()],
        "keys": [[list(p), *pos] for p, pos in keys.items()],
    }
    body = json.dumps(entry, separators=(",", ":")).encode()
    if len(body) > MAX_ENTRY:
        return
    where = folder()
    if privatefs.write_private(where, _name(text, file), body):
        _prune(where)


def _prune(where: Path) -> None:
    try:
        entries = [e for e in os.scandir(where) if e.name.endswith(SUFFIX) and e.is_file()]
    except OSError:
        return
    if len(entries) <= MAX_ENTRIES:
        return
    aged: list[tuple[float, str]] = []
    for entry in entries:
        try:  # another devkit may have removed it since the scan
            aged.append((entry.stat().st_mtime, entry.name))
        except OSError:
            continue
    aged.sort()
    for _mtime, name in aged[: len(aged) - MAX_ENTRIES]:
        privatefs.remove_private(where, name)
