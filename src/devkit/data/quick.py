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
            found.append(
                [target.st_mode, target.st_size, target.st_mtime_ns, target.st_ctime_ns,
                 target.st_ino, target.st_dev]
            )  # fmt: skip
    return found


def _signature(kind: str, path: str) -> Any:
    """``entry``: the path's own lstat; ``folder``: its type and identity (its times change with
    its entries); ``listing``: every entry of the folder with its lstat; ``git``: a ``.git``
    folder as a folder (git writes in it on any command), a ``.git`` file as an entry. None
    when missing."""
    try:
        if kind == "listing":
            with os.scandir(path) as found:
                return sorted(
                    [e.name, _entry(e.stat(follow_symlinks=False), e.path)] for e in found
                )
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # a loop, no permission: recorded as such, never a crash
        return ["unreadable", exc.errno]
    if kind == "folder" or (kind == "git" and stat.S_ISDIR(info.st_mode)):
        return [info.st_mode, info.st_ino, info.st_dev]
    return _entry(info, path)


# devkit's own code a sync runs: an edited or reinstalled module is a change (an editable
# install keeps its version number).
_CODE = ("", "commands", "config", "core", "data", "git")


def config_inputs(start: str, root: str, builtin: str) -> list[list[str]]:
    """What a sync's configuration is read from (``[kind, path]`` pairs): devkit's code, the
    built-in profiles, the workspace's ``.devkit`` files, and the ``.git`` entry of every folder
    from ``start`` up to the file system's root (a repository appearing anywhere above can
    make another folder the workspace)."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    state = os.path.join(root, ".devkit")
    inputs = [["listing", os.path.join(package, name)] for name in _CODE]
    inputs += [
        ["listing", builtin],
        ["folder", state],
        ["listing", os.path.join(state, "profiles")],
        ["entry", os.path.join(state, "environments.yaml")],
        ["entry", os.path.join(state, "environments.yml")],
        ["entry", os.path.join(state, "profile")],
    ]
    here = start
    while True:
        inputs.append(["git", os.path.join(here, ".git")])
        parent = os.path.dirname(here)
        if parent == here:
            return inputs
        here = parent


def git_index(root: str) -> str | None:
    """The index of the workspace's repository (``.git/index``, or a worktree's, named by a
    ``.git`` file): what says which symlinks are tracked, which the full run never follows."""
    dot_git = os.path.join(root, ".git")
    try:
        if os.path.isdir(dot_git) and not os.path.islink(dot_git):
            return os.path.join(dot_git, "index")
        with open(dot_git, encoding="utf-8", errors="replace") as handle:
            line = handle.read(4096).strip()
    except OSError:
        return None
    if not line.startswith("gitdir:"):
        return None
    return os.path.join(root, line[len("gitdir:") :].strip(), "index")


def has_symlink(state: list[list[Any]]) -> bool:
    """Whether any input of ``config_state`` is a symlink, or lists one."""

    def linked(entry: Any) -> bool:
        return (
            isinstance(entry, list)
            and bool(entry)
            and isinstance(entry[0], int)
            and (stat.S_ISLNK(entry[0]))
        )

    for kind, _, shape in state:
        if kind == "listing" and isinstance(shape, list) and shape and isinstance(shape[0], list):
            if any(linked(found) for _, found in shape):
                return True
        elif linked(shape):
            return True
    return False


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


def config_state(start: str, root: str, builtin: str) -> list[list[Any]] | None:
    """The configuration's inputs (``config_inputs``) with what each looks like now: taken
    before the run reads them, so an edit made while it runs is a change the record sees.
    When one is a symlink, the repository's index too (tracked or not decides whether the full
    run follows it). None when ``.devkit`` or its profiles folder is a symlink: the full run
    decides about those, and nothing is listed through them here."""
    state = os.path.join(root, ".devkit")
    if os.path.islink(state) or os.path.islink(os.path.join(state, "profiles")):
        return None
    inputs = config_inputs(start, root, builtin)
    found = [[kind, path, _signature(kind, path)] for kind, path in inputs]
    index = git_index(root) if has_symlink(found) else None
    if index is not None:
        found.append(["entry", index, _signature("entry", index)])
    return found


def _way(root: str, dest: str) -> list[list[Any]] | None:
    """Every folder on the way to ``dest`` (its ancestors, file system root excluded), by type
    and identity (``folder``: a symlink swapped in is another inode); with the repository's
    index when one is a symlink inside the workspace (tracked, the full run refuses it). None
    when a symlink is on the way outside it."""
    way: list[list[Any]] = []
    here = os.path.dirname(dest)
    while os.path.dirname(here) != here:
        way.append(["folder", here, _signature("folder", here)])
        here = os.path.dirname(here)
    linked = [path for _, path, shape in way if has_symlink([["folder", path, shape]])]
    if not linked:
        return way
    inside = all(path == root or path.startswith(root + os.sep) for path in linked)
    index = git_index(root) if inside else None
    if index is None:
        return None
    return [*way, ["entry", index, _signature("entry", index)]]


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
    dataset = _dataset(dest, files)
    lane = _lane(outcome["guard"]["entry"])
    way = _way(root, dest)
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
    return privatefs.write_private(folder(), name, marshal.dumps(body))


def _prune(now: float | None = None) -> None:
    """Remove records whose guard entry has expired: their keys are of no use any more."""
    now = time.time() if now is None else now
    try:
        names = [e.name for e in os.scandir(folder()) if e.name.endswith(".rec")]
    except OSError:
        return
    for name in names:
        raw = privatefs.read_private(folder(), name, MAX_RECORD)
        try:
            expires = marshal.loads(raw)["lane"]["expires"] if raw else 0.0
        except (ValueError, EOFError, TypeError, KeyError):
            expires = 0.0
        if not isinstance(expires, float | int) or expires <= now:
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
        "entry": _signature("entry", path),
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
    keys = lane["keys"]
    own = aws_fast.env_keys() if keys is None else (keys[0], keys[1], keys[2])
    if own is None:
        return None
    lister = aws_fast.Lister(route, own)
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
