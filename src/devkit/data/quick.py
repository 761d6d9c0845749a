"""A no-op sync answered from the record of the last sync (the sync's stamp file).

Running ``devkit sync-data`` again when nothing changed is its commonest use, and such a run is all
fixed costs: loading profiles and environments, the guard, the sync engine, for one listing. After
a sample sync that leaves the dataset current, and whose next run answers from the guard's cached
verdict through the fast lane (a sync whose full guard has just stored that verdict included),
``record`` keeps what that outcome depended on. The next identical command loads the record before
its arguments are even parsed (``load``), checks every one of those inputs again (``answer``) and,
when all still hold, reports the outcome a full run would reach: "N of M objects selected: 0
fetched, N up to date". When anything differs or cannot be checked, it answers None and the full
run goes ahead (and records again). It never writes anything. When every input but the dataset
folder or the listing still holds, the listing is not made twice: the one made here is handed to
the full run, or, when the manifest already shows that this is no no-op, it is started here on a
thread of its own while the full run loads (``aws_fast.list_ahead``). The full run takes it only
for the very request it would send itself (its guard's fast lane: the same route, keys and prefix);
otherwise it lists again.

What the outcome depends on, and how each is checked:

* **the command**: its arguments, the working folder, devkit's version, the Python running it and
  the environment (every variable but the few a shell changes on each command) are hashed into
  the record's name: anything else finds no record;
* **the code and configuration**: every entry of devkit's own package folders the sync runs
  and of the built-in and workspace profile folders, the workspace's environments and
  chosen-profile files and ``.devkit`` itself (``lstat``: type, mode, size, mtime, ctime, inode;
  for a symlink, its target's too, and then the repository's index, which says whether the full
  run may follow it), and the ``.git`` of every folder from the starting one up to the file
  system's root (a repository appearing above makes another folder the workspace) — an edit,
  addition, removal or swap misses. A ``.devkit`` or profiles folder that is a symlink is never
  recorded (nothing is read through it here);
* **the folders named on the command line** resolve to the same real paths;
* **the guard's verdict**: the same cache entry (``devkit.data.guard_cache``), not expired, with
  the same expiry, under the same connection settings (``devkit.data.aws_fast.lane``). A verdict
  the guard found revoked is removed, and the record goes with it;
* **the listing**: ListObjectsV2 through the fast lane gives the same objects (key, size, ETag,
  date, checksum algorithms, in order) as when recorded: a digest;
* **the dataset folder**: every folder on the way to it unchanged (a symlink there, inside the
  workspace, adds the index; outside it, the run is not recorded); the manifest and its journal
  unchanged; every folder in it the same real folder (a symlink swapped in misses); every
  selected file a regular file with the size and mtime the manifest recorded; no partial download
  left behind.

Records are private files in ``<cache>/sync`` (``devkit.privatefs``), written only by the user's
own runs. A record holds what the guard's cache entry it copies holds (an assumed role's
session keys), never the caller's own keys; records whose entry expired are removed whenever one
is written. ``DEVKIT_SYNC_MEMO=0`` turns them off, and so do ``DEVKIT_GUARD_CACHE=0`` and
``DEVKIT_S3_FAST_LANE=0`` (the verdict cache and the fast lane are what a record answers with).
Anything unexpected while answering (a folder gone, a lock held, an unreadable file) is a miss:
the full run answers, and reports it.

This module imports no profile, guard or sync code: that is its point.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from devkit import __version__, privatefs
from devkit.core.userdirs import cache_dir, switched_on
from devkit.data import inputs
from devkit.data.names import MANIFEST_NAME
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


# -- recording ----------------------------------------------------------------------------------


def record(
    argv: Sequence[str],
    *,
    config: list[list[Any]],
    root: str,
    dest: str,
    files: dict[str, list[int]],
    outcome: dict[str, Any],
) -> bool:
    """Keep what the sync that just left ``dest`` current depended on (see the module doc).

    ``config``: ``config_state`` before the run; ``root``: the workspace (the caller holds its
    lock); ``files``: every selected file's ``[size, mtime_ns]`` as the
    manifest records it; ``outcome``: what a no-op reports and how it is checked (the guard
    entry, prefix, listing digest, titles, lines, data). False, keeping nothing, when the
    folder is not as the manifest says."""
    if not enabled():
        return False
    dataset = inputs.dataset_state(dest, files)
    lane = _lane(outcome["guard"]["entry"])
    way = inputs.way_to(root, dest)
    if dataset is None or lane is None or way is None:
        return False
    body = {
        "format": FORMAT,
        "dest": dest,
        "config": config + way,
        "files": files,
        "dataset": dataset,
        "lock": os.path.join(root, ".devkit"),
        **outcome,
        "lane": lane,
    }
    name = record_name(argv, os.getcwd())
    _prune()
    # The file's mtime is when its guard entry expires: pruning reads no record.
    return privatefs.write_private(folder(), name, marshal.dumps(body), mtime=lane["expires"])


def _prune(now: float | None = None) -> None:
    """Remove records whose guard entry has expired (their keys are of no use any more), told
    by each file's mtime, which ``record`` sets to that expiry: one ``stat`` per record, none
    read (a sync with dozens of records of thousands of files each would otherwise read them
    all). A record whose mtime was changed since is kept or removed early: ``answer`` checks
    the expiry itself, and a removed record only costs the next run its quick answer."""
    now = time.time() if now is None else now
    try:
        with os.scandir(folder()) as entries:
            names = [
                e.name
                for e in entries
                if e.name.endswith(".rec") and e.stat(follow_symlinks=False).st_mtime <= now
            ]
    except OSError:
        return
    for name in names:
        privatefs.remove_private(folder(), name)


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
        # The entry's own assumed-role keys, as the guard's cache holds them; the caller's keys
        # (no role) are never written: they are read from the environment again.
        "keys": list(lane_keys) if entry.get("credentials") is not None else None,
        "transport": entry["transport"],
        "expires": float(entry["expires"]),
        "entry": inputs.signature("entry", path),
    }


def forget(argv: Sequence[str]) -> None:
    try:  # noqa: SIM105 - no contextlib here: start-up time
        privatefs.remove_private(folder(), record_name(argv, os.getcwd()))
    except OSError:
        pass


# -- answering ----------------------------------------------------------------------------------


def load(argv: Sequence[str]) -> dict[str, Any] | None:
    """The record for exactly this command here, when there is one."""
    if not enabled():
        return None
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was removed: the full run says what that means
        return None
    raw = privatefs.read_private(folder(), record_name(argv, cwd), MAX_RECORD)
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
    the server prepares the listing (as the dataset folder is checked). With None, a listing
    for the full run may still be on its way, on its own thread (``aws_fast.list_ahead``)."""
    try:
        return _answer(found, meanwhile)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, OSError):
        return None


def _answer(found: dict[str, Any], meanwhile: Callable[[], object] | None) -> dict[str, Any] | None:
    # The configuration is checked before anything is sent: it decides what the guard allows.
    for name in ("workspace_arg", "dest_arg"):
        given, resolved = found[name]
        if given is not None and os.path.realpath(os.path.expanduser(given)) != resolved:
            return None
    for kind, path, shape in found["config"]:
        if inputs.signature(kind, path) != shape:
            return None

    from devkit.data import aws_fast

    lane = found["lane"]
    if time.time() >= lane["expires"] or inputs.signature("entry", lane["path"]) != lane["entry"]:
        return None
    if aws_fast.fingerprint() != lane["transport"]:
        return None
    route = aws_fast.Route.from_json(lane["route"])
    if route is None:
        return None
    keys = lane["keys"]
    own = aws_fast.env_keys() if keys is None else (keys[0], keys[1], keys[2])
    if own is None:
        return None

    # A manifest that changed or went (a dataset folder emptied, a sync since) cannot be a
    # no-op: the full run answers, and the listing it needs starts now, on a thread of its own,
    # while that run loads its profiles (aws_fast.list_ahead: a sync lists once).
    manifest = os.path.join(found["dest"], MANIFEST_NAME)
    if inputs.signature("entry", manifest) != found["dataset"]["manifest"]:
        aws_fast.list_ahead(route, own, found["prefix"])
        return None

    lister = aws_fast.Lister(route, own)
    files = {str(rel): list(value) for rel, value in found["files"].items()}
    changed = False

    def local() -> None:  # while the server lists: the dataset folder, and the caller's work
        nonlocal changed
        if inputs.dataset_state(found["dest"], files) != found["dataset"]:
            changed = True
        elif meanwhile is not None:
            meanwhile()

    try:
        rows = lister.rows(found["prefix"], aws_fast.row, local)
    except aws_fast.FastPathError:
        return None
    if changed or listing_digest(rows) != found["listing"]:
        # Not a no-op: the full run answers, with this listing (its fast lane takes it).
        aws_fast.list_ahead(route, own, found["prefix"], rows, lister.requests)
        return None
    data = dict(found["data"])
    data["requests"] = {"ListObjectsV2": lister.requests}
    return {**found["report"], "data": data}
