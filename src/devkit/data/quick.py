"""A no-op sync answered from the record of the last sync (the sync's stamp file).

Running ``devkit sync-data`` again when nothing changed is its commonest use, and such a run is
all fixed costs: loading profiles and environments, the guard, the sync engine, for one listing.
After a sample sync that leaves the dataset current, ``record`` keeps what that outcome depended
on. The next identical command loads the record before its arguments are even parsed
(``load``), checks every one of those inputs again (``answer``) and, when all still hold, reports
the outcome a full run would reach: "N of M objects selected: 0 fetched, N up to date". When
anything differs or cannot be checked, it answers None and the full run goes ahead (and records
again). It never writes anything.

What the outcome depends on, and how each is checked:

* **the command**: its arguments, the working folder, devkit's version, the Python running it and
  the environment (every variable but the few a shell changes on each command) are hashed into
  the record's name: anything else finds no record;
* **the code and configuration**: every entry of the built-in and workspace profile folders and
  of this package's folder, the workspace's environments and chosen-profile files, ``.devkit``
  itself and each ``.git`` on the way from the starting folder to the workspace root (``lstat``:
  type, mode, size, mtime, ctime, inode) — an edit, addition, removal or swap misses;
* **the folders named on the command line** resolve to the same real paths;
* **the guard's verdict**: the same cache entry (``devkit.data.guard_cache``), not expired, with
  the same expiry, under the same connection settings (``devkit.data.aws_fast.lane``). A verdict
  the guard found revoked is removed, and the record goes with it;
* **the listing**: ListObjectsV2 through the fast lane gives the same objects (key, size, ETag,
  date, checksum algorithms, in order) as when recorded: a digest;
* **the dataset folder**: the manifest and its journal unchanged; every folder on the way the same
  real folder (a symlink swapped in misses); every selected file a regular file with the size and
  mtime the manifest recorded; no partial download left behind.

Records are private files in ``<cache>/sync`` (``devkit.privatefs``), written only by the user's
own runs; ``DEVKIT_SYNC_MEMO=0`` turns them off, and so do ``DEVKIT_GUARD_CACHE=0`` and
``DEVKIT_S3_FAST_LANE=0`` (the verdict cache and the fast lane are what a record answers with).

This module imports no profile, guard or sync code: that is its point.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import time

from devkit import __version__, privatefs
from devkit.core.userdirs import cache_dir, switched_on
from devkit.data.names import JOURNAL_NAME, MANIFEST_NAME, PART_PREFIX
from devkit.digest import sha256

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

FORMAT = 1
MAX_RECORD = 64 << 20  # about 100 bytes per file
# Variables a shell changes on every command: they do not change what a sync does.
_VOLATILE = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})


def enabled() -> bool:
    return (
        switched_on("DEVKIT_SYNC_MEMO")
        and switched_on("DEVKIT_GUARD_CACHE")
        and switched_on("DEVKIT_S3_FAST_LANE")
    )


def folder() -> str:
    return cache_dir("sync")


def record_name(argv: Sequence[str], cwd: str) -> str:
    """The record's file name: a hash of the command, where it ran and its environment."""
    env = sorted((k, v) for k, v in os.environ.items() if k not in _VOLATILE)
    body = marshal.dumps((FORMAT, __version__, sys.executable, cwd, tuple(argv), tuple(env)))
    return sha256(body).hexdigest()[:40] + ".rec"


def listing_digest(rows: Iterable[tuple[str, int, str, str, str]]) -> str:
    """A digest of a listing: each object's key, size, ETag, date and checksum algorithms."""
    digest = sha256()
    for key, size, etag, modified, algorithm in rows:
        digest.update(f"{key}\0{size}\0{etag}\0{modified}\0{algorithm}\n".encode())
    return digest.hexdigest()


# -- what a path looks like now -----------------------------------------------------------------


def _entry(info: os.stat_result, path: str) -> list[Any]:
    """An lstat's identity and times; for a symlink, what it points to as well (the full run
    follows a link the repository does not track: an edit of its target is a change)."""
    found: list[Any] = [info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns]
    found.append(info.st_ino)
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            found.append(None)
        else:
            found.append([target.st_mode, target.st_size, target.st_mtime_ns, target.st_ino])
    return found


def _signature(kind: str, path: str) -> Any:
    """``entry``: the path's own lstat; ``folder``: its type and identity (its times change with
    its entries); ``listing``: every entry of the folder with its lstat. None when missing."""
    try:
        if kind == "listing":
            with os.scandir(path) as found:
                return sorted(
                    [e.name, _entry(e.stat(follow_symlinks=False), e.path)] for e in found
                )
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    if kind == "folder":
        return [info.st_mode, info.st_ino, info.st_dev]
    return _entry(info, path)


def config_inputs(start: str, root: str, builtin: str) -> list[list[str]]:
    """What a sync's configuration is read from (``[kind, path]`` pairs): this package, the
    built-in profiles, the workspace's ``.devkit`` files, and the ``.git`` entries that make
    ``root`` the workspace found from ``start``."""
    state = os.path.join(root, ".devkit")
    inputs = [
        ["entry", os.path.abspath(__file__)],  # a reinstalled devkit: new files
        ["listing", builtin],
        ["folder", state],
        ["listing", os.path.join(state, "profiles")],
        ["entry", os.path.join(state, "environments.yaml")],
        ["entry", os.path.join(state, "environments.yml")],
        ["entry", os.path.join(state, "profile")],
    ]
    here = start
    while True:
        inputs.append(["entry", os.path.join(here, ".git")])
        parent = os.path.dirname(here)
        if here == root or parent == here:
            return inputs
        here = parent


def _dataset(dest: str, files: dict[str, list[int]]) -> dict[str, Any] | None:
    """The dataset folder as the record keeps it; None when a file is not as ``files`` says
    (size, mtime) or a download in progress is left in a folder."""
    folders: dict[str, list[str]] = {}
    for rel in files:
        parent, _, name = rel.rpartition("/")
        folders.setdefault(parent, []).append(name)
        while parent:
            parent = parent.rpartition("/")[0]
            folders.setdefault(parent, [])
    shapes: dict[str, Any] = {}
    for rel_folder in sorted(folders):
        path = os.path.join(dest, rel_folder) if rel_folder else dest
        shape = _signature("folder", path)
        if shape is None or not stat.S_ISDIR(shape[0]):
            return None
        shapes[rel_folder] = shape
        wanted = set(folders[rel_folder])
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.name.startswith(PART_PREFIX):
                    return None  # the full run resumes or removes it
                if entry.name in wanted:
                    wanted.discard(entry.name)
                    info = entry.stat(follow_symlinks=False)
                    expected = files[f"{rel_folder}/{entry.name}" if rel_folder else entry.name]
                    if not stat.S_ISREG(info.st_mode) or [info.st_size, info.st_mtime_ns] != list(
                        expected
                    ):
                        return None
        if wanted:
            return None  # a file is missing
    return {
        "folders": shapes,
        "manifest": _signature("entry", os.path.join(dest, MANIFEST_NAME)),
        "journal": _signature("entry", os.path.join(dest, JOURNAL_NAME)),
    }


# -- recording ----------------------------------------------------------------------------------


def config_state(start: str, root: str, builtin: str) -> list[list[Any]]:
    """The configuration's inputs (``config_inputs``) with what each looks like now: taken
    before the run reads them, so an edit made while it runs is a change the record sees."""
    return [
        [kind, path, _signature(kind, path)] for kind, path in config_inputs(start, root, builtin)
    ]


def record(
    argv: Sequence[str],
    *,
    config: list[list[Any]],
    lock: str,
    dest: str,
    files: dict[str, list[int]],
    outcome: dict[str, Any],
) -> bool:
    """Keep what the sync that just left ``dest`` current depended on (see the module doc).

    ``config``: ``config_state`` before the run; ``lock``: the workspace's state folder, whose
    lock the caller holds; ``files``: every selected file's ``[size, mtime_ns]`` as the
    manifest records it; ``outcome``: what a no-op reports and how it is checked (the guard
    entry, prefix, listing digest, titles, lines, data). False, keeping nothing, when the
    folder is not as the manifest says."""
    if not enabled():
        return False
    dataset = _dataset(dest, files)
    lane = _lane(outcome["guard"]["entry"])
    if dataset is None or lane is None:
        return False
    body = {
        "format": FORMAT,
        "dest": dest,
        "config": config,
        "files": files,
        "dataset": dataset,
        "lock": lock,
        **outcome,
        "lane": lane,
    }
    name = record_name(argv, os.getcwd())
    return privatefs.write_private(folder(), name, marshal.dumps(body))


def _lane(entry_name: str) -> dict[str, Any] | None:
    """How the fast lane lists with the guard's cached entry: its route, keys and connection
    settings, and the entry file's identity (a record holds no more than the entry it copies
    from, in a private file as the entry is; the entry's removal or replacement voids it)."""
    from devkit.data import aws_fast, guard_cache

    entry = guard_cache.load(entry_name)
    keys = aws_fast.env_keys()
    found = aws_fast.lane(entry, keys) if entry is not None and keys is not None else None
    if entry is None or found is None:
        return None
    route, lane_keys = found
    path = os.path.join(guard_cache.folder(), entry_name)
    return {
        "path": path,
        "route": route.to_json(),
        "keys": list(lane_keys),
        "transport": entry["transport"],
        "expires": float(entry["expires"]),
        "entry": _signature("entry", path),
    }


def forget(argv: Sequence[str]) -> None:
    privatefs.remove_private(folder(), record_name(argv, os.getcwd()))


# -- answering ----------------------------------------------------------------------------------


def load(argv: Sequence[str]) -> dict[str, Any] | None:
    """The record for exactly this command here, when there is one."""
    if not enabled():
        return None
    raw = privatefs.read_private(folder(), record_name(argv, os.getcwd()), MAX_RECORD)
    if raw is None:
        return None
    try:
        # marshal, not json (which imports re): the file is this user's own, written by
        # record() into a private folder (privatefs checks owner, mode and no symlink).
        found = marshal.loads(raw)
    except (ValueError, EOFError, TypeError):
        return None
    return found if isinstance(found, dict) and found.get("format") == FORMAT else None


def answer(
    found: dict[str, Any], meanwhile: Callable[[], object] | None = None
) -> dict[str, Any] | None:
    """The outcome to report when every input of ``found`` still holds (the listing too);
    None otherwise. Read-only; the caller holds the workspace's lock. ``meanwhile`` runs while
    the server prepares the listing (as the dataset folder is checked)."""
    try:
        return _answer(found, meanwhile)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OSError):
        return None


class _Changed(Exception):
    """The dataset folder is not as recorded."""


def _row(
    key: str, size: int, etag: str, modified: str, algorithm: str
) -> tuple[str, int, str, str, str]:
    return key, size, etag, modified, algorithm


def _answer(found: dict[str, Any], meanwhile: Callable[[], object] | None) -> dict[str, Any] | None:
    # The configuration is checked before anything is sent: it decides what the guard allows.
    for name in ("workspace_arg", "dest_arg"):
        given, resolved = found[name]
        if given is not None and os.path.realpath(os.path.expanduser(given)) != resolved:
            return None
    for kind, path, shape in found["config"]:
        if _signature(kind, path) != shape:
            return None

    from devkit.data import aws_fast

    lane = found["lane"]
    if time.time() >= lane["expires"] or _signature("entry", lane["path"]) != lane["entry"]:
        return None
    if aws_fast.fingerprint() != lane["transport"]:
        return None
    route = aws_fast.Route.from_json(lane["route"])
    if route is None:
        return None
    lister = aws_fast.Lister(route, (lane["keys"][0], lane["keys"][1], lane["keys"][2]))
    files = {str(rel): list(value) for rel, value in found["files"].items()}

    def local() -> None:  # while the server lists: the dataset folder, and the caller's work
        if _dataset(found["dest"], files) != found["dataset"]:
            raise _Changed
        if meanwhile is not None:
            meanwhile()

    try:
        rows = lister.rows(found["prefix"], _row, local)
    except aws_fast.FastPathError:  # _Changed among them: the lane wraps what it cannot read
        return None
    if listing_digest(rows) != found["listing"]:
        return None
    data = dict(found["data"])
    data["requests"] = {"ListObjectsV2": lister.requests}
    return {**found["report"], "data": data}
