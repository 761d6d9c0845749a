"""The one safe way devkit reads and writes files in a workspace or dataset folder.

A cloned repository is untrusted input: it may commit a symlink at any path devkit writes
(``.devkit/``, ``.devkit/state.json``, ``.devcontainer/devcontainer.json``, the dataset folder,
its manifest and journal…) pointing anywhere on the machine. Every write devkit makes inside a
workspace or a dataset folder goes through this module, which walks the path **component by
component from a trusted root** (the workspace root, found as the nearest folder holding
``.git``; the user chose it) with ``openat``-style calls (``dir_fd``, ``O_NOFOLLOW``):

* A symlink that **git tracks** (``git ls-files -s`` mode ``120000``) is never followed: the
  operation is refused with exit 4 (``RefusedError``) naming the path. A folder with no git
  repository around it cannot say what it tracks, so every symlink inside it is refused.
* A symlink that is **not tracked** — the user's own ``data/`` linked to a big disk, created
  locally — is followed: it is the user's choice, not the repository's.
* Below a dataset folder (``strict_from``) no symlink at all is followed: devkit owns those files
  and never writes through a link there.
* The last component is never followed for a write: temporary files are created exclusively
  (``O_CREAT|O_EXCL|O_NOFOLLOW``) with an unpredictable name in the target's own folder and renamed
  over the target; a target that is a symlink is refused. Appends open with ``O_NOFOLLOW``.
* Reads of input files (profiles, the devcontainer files) refuse tracked symlinks, refuse files
  that are not regular files (``/dev/zero``, FIFOs) and read at most a given number of bytes.

``check_relpath`` is the one confinement check for every relative path derived from input
(manifest entries, remote keys, ``data.dest``, table paths): no absolute path, no ``..``, no
empty or ``.`` segment, no NUL or backslash, no component over ``NAME_MAX`` bytes and no path over
``PATH_MAX`` bytes. ``confine_problem`` gives the same verdict as text, for load-time validation.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from devkit.core.errors import ConfigError, DevkitError, NotReadyError, RefusedError
from devkit.privatefs import TMP_SUFFIX

NAME_MAX = 255
PATH_MAX = 4096

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = os.O_NOFOLLOW
_tracked_cache: dict[tuple[str, str], bool] = {}


def confine_problem(rel: str) -> str | None:
    """Why ``rel`` could leave the folder it is relative to; None when it stays inside."""
    if not isinstance(rel, str) or rel == "":
        return "is empty"
    if "\0" in rel:
        return "contains a NUL byte"
    if "\\" in rel:
        return "contains a backslash"
    if rel.startswith("/"):
        return "is an absolute path"
    parts = rel.split("/")
    if any(part in ("..", ".", "") for part in parts):
        return "has an empty, '.' or '..' path segment"
    try:
        encoded = [part.encode("utf-8") for part in parts]
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if any(len(part) > NAME_MAX for part in encoded):
        return f"has a path component longer than {NAME_MAX} bytes"
    if len(rel.encode("utf-8")) > PATH_MAX:
        return f"is longer than {PATH_MAX} bytes"
    return None


def check_relpath(rel: str, what: str, hint: str = "") -> str:
    """``rel`` when it stays inside its folder; RefusedError (exit 4) otherwise."""
    reason = confine_problem(rel)
    if reason:
        raise RefusedError(
            f"{what}: path {_short(rel)!r} {reason}: it could land outside its folder",
            hint or "nothing was written; rename it to a plain relative path",
        )
    return rel


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def find_root(path: Path) -> Path:
    """The nearest folder above ``path`` (lexically) that holds ``.git``; else the nearest one
    that exists (a folder outside any repository is the user's own, trusted as it is)."""
    path = Path(os.path.abspath(path))
    for folder in path.parents:
        if os.path.lexists(folder / ".git"):
            return folder
    return next((f for f in path.parents if os.path.isdir(f)), Path(path.anchor))


def is_tracked_symlink(root: Path, rel: str) -> bool:
    """Whether git tracks ``rel`` (under ``root``) as a symlink; True when git cannot say."""
    key = (str(root), rel)
    if key in _tracked_cache:
        return _tracked_cache[key]
    if not os.path.lexists(root / ".git"):
        return True
    import subprocess  # only when a symlink is met: most commands never start git from here

    from devkit.git.state import is_tracked_symlink as git_tracks_symlink

    try:
        tracked = git_tracks_symlink(root, rel)
    except (DevkitError, subprocess.SubprocessError):
        return True
    _tracked_cache[key] = tracked
    return tracked


def _owner_to_keep(root: Path) -> tuple[int, int] | None:
    """Who should own what devkit creates under ``root``: its owner, when devkit runs as root in
    a folder that belongs to someone else (a teammate's clone opened by a root devkit, or a CI
    runner): then the container user, who has that UID, can still write beside devkit's files.
    None when nothing needs handing over."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    try:
        info = os.stat(root)
    except OSError:
        return None
    return None if info.st_uid == 0 else (info.st_uid, info.st_gid)


def _hand_over(fd: int, owner: tuple[int, int] | None) -> None:
    if owner is not None:
        with contextlib.suppress(OSError):
            os.fchown(fd, *owner)


def _refuse_link(shown: Path, tracked: bool) -> RefusedError:
    why = "is a symlink committed to the repository" if tracked else "is a symlink"
    return RefusedError(
        f"{shown} {why}; devkit does not write or read through it",
        "remove the symlink (git rm it if it is committed) or use a plain folder, then run again",
    )


def os_failure(path: Path, exc: OSError) -> DevkitError:
    """An OSError on ``path`` as devkit's error: what went wrong, what to do, the exit code."""
    shown = _short(str(path))
    why = exc.strerror or str(exc)
    if exc.errno == errno.ENAMETOOLONG:
        return RefusedError(f"{shown}: a name in the path is too long", "use a shorter name")
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return NotReadyError(f"disk full while writing {shown}", "free some space and run again")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return NotReadyError(f"cannot write {shown}: {why}", "check the folder's permissions")
    if exc.errno in (errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.ELOOP, errno.ENOTEMPTY):
        return RefusedError(
            f"{shown}: something else is in the way ({why})", "move it away and run again"
        )
    if exc.errno == errno.ENOENT:
        return ConfigError(f"{shown} does not exist", "check the path")
    return NotReadyError(f"cannot use {shown}: {why}", "check the path and run again")


@contextlib.contextmanager
def _translated(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise os_failure(path, exc) from None


class _Walk:
    """An open folder reached from a trusted root without following untrusted symlinks."""

    def __init__(
        self, path: Path, root: Path | None, strict_from: Path | None, create: bool
    ) -> None:
        self.path = Path(os.path.abspath(path))
        self.root = Path(os.path.abspath(root)) if root is not None else find_root(self.path)
        self.strict = Path(os.path.abspath(strict_from)) if strict_from is not None else None
        try:
            rel = self.path.relative_to(self.root)
        except ValueError:
            raise RefusedError(
                f"{self.path} is outside {self.root}",
                "devkit only writes inside the workspace and its dataset folders",
            ) from None
        if not rel.parts:
            raise RefusedError(f"{self.path} names the folder itself", "name a file inside it")
        check_relpath(rel.as_posix(), "refused path")
        self.parts = rel.parts
        self.name = rel.parts[-1]
        self.owner = _owner_to_keep(self.root) if create else None
        self.fd = -1
        self.fd = self._descend(self.parts[:-1], create)

    def _policy(self, index: int) -> tuple[Path, bool]:
        """(shown path, refuse even when not tracked) for the component at ``index``."""
        here = self.root.joinpath(*self.parts[: index + 1])
        strict = self.strict is not None and (here == self.strict or self.strict in here.parents)
        return here, strict

    def link_allowed(self, index: int) -> bool:
        here, strict = self._policy(index)
        if strict:
            raise _refuse_link(here, False)
        rel = "/".join(self.parts[: index + 1])
        if is_tracked_symlink(self.root, rel):
            raise _refuse_link(here, True)
        return True

    def _descend(self, parts: tuple[str, ...], create: bool) -> int:
        fd = os.open(self.root, _DIR_FLAGS)
        try:
            for index, part in enumerate(parts):
                fd = self._step(fd, index, part, create)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            raise
        return fd

    def _step(self, fd: int, index: int, part: str, create: bool) -> int:
        here = self.root.joinpath(*self.parts[: index + 1])
        for _ in range(3):
            try:
                child = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                try:
                    os.mkdir(part, 0o755, dir_fd=fd)
                except FileExistsError:
                    continue
                if self.owner is not None:
                    with contextlib.suppress(OSError):
                        os.chown(part, *self.owner, dir_fd=fd, follow_symlinks=False)
                continue
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISLNK(info.st_mode):
                    raise RefusedError(
                        f"{here} is a file where devkit needs a folder",
                        "move it away and run the command again",
                    ) from None
                self.link_allowed(index)
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            return child
        raise RefusedError(f"{here} keeps changing under devkit", "run the command again")

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self) -> _Walk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def final_is_link(self) -> bool:
        return _is_link(self.fd, self.name)


@contextlib.contextmanager
def atomic_writer(
    path: Path,
    *,
    root: Path | None = None,
    strict_from: Path | None = None,
    mode: int = 0o644,
    prefix: str = ".",
    fsync: bool = False,
    buffered: bool = True,
) -> Iterator[BinaryIO]:
    """A binary file that replaces ``path`` when the block ends without an error.

    The temporary file is created exclusively, never through a symlink, with an unpredictable
    name beside the target; on an error it is removed and ``path`` is unchanged.
    ``buffered=False``: every ``write`` goes straight to the file, whole (for a caller that
    writes large chunks: a download), and opening it costs no terminal or position query.
    """
    with _translated(path):
        walk = _Walk(path, root, strict_from, create=True)
    with walk:
        with _translated(path):
            if walk.final_is_link():  # refused before the caller does any work
                raise _refuse_link(walk.path, False)
        with _replacing(walk, walk.name, path, mode, prefix, fsync, buffered) as handle:
            yield handle


@contextlib.contextmanager
def _replacing(
    walk: _Walk, name: str, shown: Path, mode: int, prefix: str, fsync: bool, buffered: bool
) -> Iterator[BinaryIO]:
    """The temporary file beside ``name`` in the walked folder, renamed over it at the end."""
    token = os.urandom(8).hex()
    room = NAME_MAX - len(prefix) - len(token) - len(TMP_SUFFIX) - 1
    tmp = f"{prefix}{token}-{name[:room]}{TMP_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    with _translated(shown):
        fd = os.open(tmp, flags, mode, dir_fd=walk.fd)
        _hand_over(fd, walk.owner)
    done = False
    try:
        with os.fdopen(fd, "wb") if buffered else _Unbuffered(fd, "wb") as handle:
            yield handle
            with _translated(shown):
                handle.flush()
                if fsync:
                    os.fsync(handle.fileno())
        with _translated(shown):
            # The one check that matters is the one right before the rename: a target that is
            # (or became) a symlink is refused, never replaced.
            if _is_link(walk.fd, name):
                raise _refuse_link(shown, False)
            os.replace(tmp, name, src_dir_fd=walk.fd, dst_dir_fd=walk.fd)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=walk.fd)


def _is_link(dir_fd: int, name: str) -> bool:
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return stat.S_ISLNK(info.st_mode)


class Folders:
    """The folders under one root that many files are written into, each walked once (as
    ``atomic_writer`` walks it: from the trusted root, never through a symlink below
    ``strict_from``) and then kept open, so a sync of thousands of small files opens, checks and
    closes its folder once rather than once per file. Safe to share between threads; ``close``
    at the end."""

    def __init__(self, root: Path, strict_from: Path | None = None) -> None:
        self.root, self.strict_from = root, strict_from
        self._walks: dict[Path, _Walk] = {}
        self._lock = threading.Lock()

    def writer(
        self, path: Path, *, mode: int = 0o644, prefix: str = ".", buffered: bool = True
    ) -> contextlib.AbstractContextManager[BinaryIO]:
        """``atomic_writer(path)`` through the kept folder of ``path``."""
        check_relpath(path.name, "refused path")
        folder = Path(os.path.abspath(path)).parent
        with self._lock:
            walk = self._walks.get(folder)
            if walk is None:
                with _translated(path):
                    walk = _Walk(path, self.root, self.strict_from, create=True)
                self._walks[folder] = walk
        return _replacing(walk, path.name, path, mode, prefix, False, buffered)

    def close(self) -> None:
        with self._lock:
            for walk in self._walks.values():
                walk.close()
            self._walks.clear()


class _Unbuffered(io.FileIO):
    """A file written straight through, each ``write`` whole (a raw file may write less)."""

    def write(self, data: Any) -> int:
        return write_all(super().write, data)


def write_all(write: Any, data: Any) -> int:
    """``write(rest)`` until every byte of ``data`` is taken; OSError when none is."""
    view = memoryview(data).cast("B")
    done = 0
    while done < len(view):
        written = write(view[done:])
        if not written:
            raise OSError(errno.EIO, "the file took no more bytes")
        done += written
    return done


def write_bytes(
    path: Path,
    data: bytes,
    *,
    root: Path | None = None,
    strict_from: Path | None = None,
    mode: int = 0o644,
    fsync: bool = False,
) -> None:
    """Replace ``path`` atomically with ``data`` (see the module docstring for the rules)."""
    with atomic_writer(path, root=root, strict_from=strict_from, mode=mode, fsync=fsync) as fh:
        fh.write(data)


def write_text(
    path: Path,
    text: str,
    *,
    root: Path | None = None,
    strict_from: Path | None = None,
    mode: int = 0o644,
    fsync: bool = False,
) -> None:
    write_bytes(
        path, text.encode("utf-8"), root=root, strict_from=strict_from, mode=mode, fsync=fsync
    )


def _open_in_place(
    path: Path, extra: int, root: Path | None, strict_from: Path | None, mode: int
) -> int:
    """Open ``path`` itself for writing (created if missing), never through a symlink."""
    with _translated(path), _Walk(path, root, strict_from, create=True) as walk:
        flags = os.O_WRONLY | os.O_CREAT | extra | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(walk.name, flags, mode, dir_fd=walk.fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _refuse_link(walk.path, False) from None
            raise
        _hand_over(fd, walk.owner)
        return fd


def open_append(
    path: Path, *, root: Path | None = None, strict_from: Path | None = None, mode: int = 0o644
) -> int:
    """A file descriptor appending to ``path`` (created if missing, never through a symlink)."""
    return _open_in_place(path, os.O_APPEND, root, strict_from, mode)


def open_text_write(
    path: Path, *, root: Path | None = None, strict_from: Path | None = None, mode: int = 0o644
) -> TextIO:
    """A text file (UTF-8) written from the start, e.g. a log; never opened through a symlink."""
    fd = _open_in_place(path, os.O_TRUNC, root, strict_from, mode)
    return os.fdopen(fd, "w", encoding="utf-8")


def ensure_dir(path: Path, *, root: Path | None = None, strict_from: Path | None = None) -> Path:
    """Create ``path`` and its parents as needed, following no untrusted symlink; ``path``."""
    with _translated(path), _Walk(path / "_", root, strict_from, create=True):
        pass
    return path


def _unlink(path: Path, *, root: Path | None = None, strict_from: Path | None = None) -> bool:
    """Remove the file ``path`` (a symlink there is removed, not followed); False if missing."""
    try:
        walk = _Walk(path, root, strict_from, create=False)
    except FileNotFoundError:
        return False
    with walk:
        try:
            os.unlink(walk.name, dir_fd=walk.fd)
        except FileNotFoundError:
            return False
        except OSError as exc:
            if exc.errno in (errno.EISDIR, errno.EPERM):
                raise RefusedError(
                    f"{walk.path} is a folder", "devkit only removes its own files"
                ) from None
            raise
    return True


class NotRegularError(ConfigError):
    """An input file that is a device, a FIFO or a folder."""


class TooBigError(ConfigError):
    """An input file larger than devkit reads."""


def _read_bytes(
    path: Path,
    limit: int,
    *,
    root: Path | None = None,
    strict_from: Path | None = None,
    missing_ok: bool = False,
) -> bytes | None:
    """At most ``limit`` bytes of the regular file ``path``; None when missing and allowed.

    A tracked symlink (or any symlink below ``strict_from``) is refused (exit 4); a device, FIFO
    or folder, or a file over ``limit`` bytes, is bad input (exit 2).
    """
    try:
        walk = _Walk(path, root, strict_from, create=False)
    except FileNotFoundError:
        if missing_ok:
            return None
        raise
    with walk:
        flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(walk.name, flags | _NOFOLLOW, dir_fd=walk.fd)
        except FileNotFoundError:
            if missing_ok:
                return None
            raise
        except OSError as exc:
            if exc.errno != errno.ELOOP:
                raise
            walk.link_allowed(len(walk.parts) - 1)
            fd = os.open(walk.name, flags, dir_fd=walk.fd)
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularError(
                f"{path} is not a regular file",
                "replace it with a plain file (devkit reads no devices, FIFOs or folders)",
            )
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise TooBigError(
            f"{path} is larger than {limit} bytes", "keep the file small: it is configuration"
        )
    return data


def _list_dir(
    path: Path, *, root: Path | None = None, strict_from: Path | None = None
) -> list[str]:
    """The names in folder ``path`` (empty when missing), reached without untrusted symlinks."""
    try:
        walk = _Walk(path / "_", root, strict_from, create=False)
    except FileNotFoundError:
        return []
    with walk:
        return sorted(os.listdir(walk.fd))


def unlink(path: Path, *, root: Path | None = None, strict_from: Path | None = None) -> bool:
    """Remove the file ``path`` (a symlink there is removed, not followed); False if missing."""
    with _translated(path):
        return _unlink(path, root=root, strict_from=strict_from)


def read_bytes(
    path: Path,
    limit: int,
    *,
    root: Path | None = None,
    strict_from: Path | None = None,
    missing_ok: bool = False,
) -> bytes | None:
    """At most ``limit`` bytes of the regular file ``path``; None when missing and allowed.

    A tracked symlink (or any symlink below ``strict_from``) is refused (exit 4); a device, FIFO
    or folder, or a file over ``limit`` bytes, is bad input (exit 2); other failures are
    devkit's errors too (``os_failure``).
    """
    with _translated(path):
        return _read_bytes(path, limit, root=root, strict_from=strict_from, missing_ok=missing_ok)


def list_dir(path: Path, *, root: Path | None = None, strict_from: Path | None = None) -> list[str]:
    """The names in folder ``path`` (empty when missing), reached without untrusted symlinks."""
    with _translated(path):
        return _list_dir(path, root=root, strict_from=strict_from)


class PartialFile:
    """A temporary file beside its target, written at offsets (``pwrite``) by several threads,
    renamed over the target by ``commit``. Made by ``create_partial`` (created exclusively,
    never through a symlink, with an unpredictable name) or ``reopen_partial`` (an earlier one,
    to resume: opened without following a symlink, and only when it is a regular file of this
    user with one link and the expected size)."""

    def __init__(self, walk: _Walk, tmp: str, fd: int) -> None:
        self._walk, self.name, self.fd = walk, tmp, fd
        self.path = walk.path.parent / tmp

    def pwrite(self, data: bytes | memoryview, offset: int) -> None:
        with _translated(self._walk.path):
            view = memoryview(data)
            while view:
                written = os.pwrite(self.fd, view, offset)
                view, offset = view[written:], offset + written

    def pread(self, size: int, offset: int) -> bytes:
        with _translated(self._walk.path):
            return os.pread(self.fd, size, offset)

    def commit(self, fsync: bool = False) -> None:
        """Rename over the target (refused when the target became a symlink) and close."""
        with _translated(self._walk.path):
            if fsync:
                os.fsync(self.fd)
            if self._walk.final_is_link():
                raise _refuse_link(self._walk.path, False)
            os.replace(
                self.name, self._walk.name, src_dir_fd=self._walk.fd, dst_dir_fd=self._walk.fd
            )
        self.close()

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.name, dir_fd=self._walk.fd)
        self.close()

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self._walk.close()


def _preallocate(fd: int, size: int) -> None:
    """Reserve the file's blocks up front: parts written at scattered offsets by several threads
    then allocate nothing under the inode's lock (3-4x faster than into a sparse file), and a
    full disk shows at once. A file system without fallocate gets a sparse file."""
    if size <= 0:
        return
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        os.ftruncate(fd, size)


def create_partial(
    path: Path,
    size: int,
    *,
    root: Path | None = None,
    strict_from: Path | None = None,
    mode: int = 0o644,
    prefix: str = ".",
) -> PartialFile:
    """A new, exclusively created temporary file of ``size`` bytes beside ``path``."""
    with _translated(path):
        walk = _Walk(path, root, strict_from, create=True)
    try:
        token = os.urandom(8).hex()
        room = NAME_MAX - len(prefix) - len(token) - len(TMP_SUFFIX) - 1
        tmp = f"{prefix}{token}-{walk.name[:room]}{TMP_SUFFIX}"
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        with _translated(path):
            if walk.final_is_link():
                raise _refuse_link(walk.path, False)
            fd = os.open(tmp, flags, mode, dir_fd=walk.fd)
            _hand_over(fd, walk.owner)
            try:
                _preallocate(fd, size)
            except OSError:
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(tmp, dir_fd=walk.fd)
                raise
    except BaseException:
        walk.close()
        raise
    return PartialFile(walk, tmp, fd)


def reopen_partial(
    path: Path,
    tmp: str,
    size: int,
    *,
    root: Path | None = None,
    strict_from: Path | None = None,
) -> PartialFile | None:
    """The earlier temporary file ``tmp`` beside ``path`` to resume, or None when it is gone
    or is not exactly what devkit left (a regular file of ours, one link, ``size`` bytes)."""
    if "/" in tmp or confine_problem(tmp) is not None or not tmp.endswith(TMP_SUFFIX):
        return None
    try:
        with _translated(path):
            walk = _Walk(path, root, strict_from, create=False)
    except ConfigError:  # the folder is gone
        return None
    try:
        flags = os.O_RDWR | _NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(tmp, flags, dir_fd=walk.fd)
        except OSError:
            walk.close()
            return None
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_nlink != 1
            or info.st_uid not in (os.geteuid(), (_owner_to_keep(walk.root) or (-1, -1))[0])
            or info.st_size != size
        ):
            os.close(fd)
            walk.close()
            return None
    except BaseException:
        walk.close()
        raise
    return PartialFile(walk, tmp, fd)
