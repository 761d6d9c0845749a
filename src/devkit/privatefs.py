"""Private per-user files: devkit's caches and records outside any workspace.

The guard's verdicts, the profile parse cache, the wheel cache and the sync's no-op records live
in folders under the user's cache folder (``devkit.core.userdirs``). Such a folder is used only
when it is private: a real folder (not a symlink), owned by the effective user, with no access
for group or others; its files are regular 0600 files of that user, read bounded, replaced
atomically (an exclusively created temp file renamed over the name). A folder or file that is not
private is never read or written: callers treat it as a cache miss.

Kept apart from ``devkit.safefs`` (workspace and dataset writes, which asks git about tracked
symlinks) so the quickest commands can read their records without that module's imports.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from os import PathLike

    Folder = str | PathLike[str]

TMP_SUFFIX = ".devkit-tmp"

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = os.O_NOFOLLOW


def _plain_name(name: str) -> bool:
    """One path segment: not empty, no slash, NUL or backslash, not '.' or '..'."""
    return bool(name) and name not in (".", "..") and not any(c in name for c in "/\\\0")


def _private_folder(folder: Folder, create: bool) -> int | None:
    """An open descriptor of ``folder`` when it is a private folder of this user: a real
    folder (not a symlink), owned by the effective user, no access for group or others.
    None when it is missing (and not created) or is not private (it is then never used)."""
    if create:
        try:  # noqa: SIM105 - no contextlib: start-up time of the quickest commands
            os.makedirs(folder, mode=0o700, exist_ok=True)
        except OSError:
            pass
    try:
        fd = os.open(folder, _DIR_FLAGS | _NOFOLLOW)
    except OSError:
        return None
    info = os.fstat(fd)
    if info.st_uid != os.geteuid() or stat.S_IMODE(info.st_mode) & 0o077:
        os.close(fd)
        return None
    return fd


def write_private(folder: Folder, name: str, data: bytes, mtime: float | None = None) -> bool:
    """Replace ``folder/name`` with ``data`` as a 0600 file, atomically (exclusive temp file,
    rename), in a private folder of this user (created 0700). ``mtime``: the file's access and
    modification times (e.g. when its content expires). False, writing nothing, when the folder
    is a symlink, another user's, or open to others."""
    if not _plain_name(name):
        raise ValueError(name)
    fd = _private_folder(folder, create=True)
    if fd is None:
        return False
    tmp = f".{os.urandom(8).hex()}{TMP_SUFFIX}"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        out = os.open(tmp, flags, 0o600, dir_fd=fd)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(out, view) :]
            if mtime is not None:
                os.utime(out, (mtime, mtime))
        finally:
            os.close(out)
        os.replace(tmp, name, src_dir_fd=fd, dst_dir_fd=fd)
        return True
    except OSError:
        try:  # noqa: SIM105 - no contextlib: start-up time of the quickest commands
            os.unlink(tmp, dir_fd=fd)
        except OSError:
            pass
        return False
    finally:
        os.close(fd)


def read_private(folder: Folder, name: str, limit: int) -> bytes | None:
    """``folder/name`` from a private folder of this user, when it is a regular 0600 file of
    this user of at most ``limit`` bytes; None otherwise (missing, a symlink, foreign...)."""
    if not _plain_name(name):
        return None
    fd = _private_folder(folder, create=False)
    if fd is None:
        return None
    try:
        handle = os.open(name, os.O_RDONLY | _NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    except OSError:
        return None
    finally:
        os.close(fd)
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.geteuid()
            or stat.S_IMODE(info.st_mode) & 0o077
            or info.st_size > limit
        ):
            return None
        return stream.read(limit)


def remove_private(folder: Folder, name: str) -> None:
    """Remove ``folder/name`` from a private folder of this user (nothing when not private)."""
    fd = _private_folder(folder, create=False)
    if fd is None:
        return
    try:
        try:  # noqa: SIM105 - no contextlib: start-up time of the quickest commands
            os.unlink(name, dir_fd=fd)
        except OSError:
            pass
    finally:
        os.close(fd)
