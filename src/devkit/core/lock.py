"""One devkit at a time changes a workspace: an advisory lock on ``.devkit/lock``.

Plans that change the workspace (init, sync-data, down, hooks) hold it while they run; commands
that only read (status, check, doctor, dry runs) never take it and never wait. A second devkit
that would change the same workspace fails at once, naming the holder's pid, instead of racing
it (two inits creating the same branch, two syncs writing one manifest).

The lock is ``flock`` on an open file, so it disappears with the process that held it: a
``kill -9`` leaves no stale lock. The file only records the holder's pid for the message. It is
opened without following a symlink (a repository may commit ``.devkit/lock`` as one), and the
pid is written only after the lock is held. Inside a dev container the workspace is the same
folder (a bind mount, one kernel), so the postCreate hook that ``devkit init`` waits for does
not take the lock (its plan is not a locking one). A plan run inside another in the same
process re-enters the lock instead of blocking on itself.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devkit.core.errors import NotReadyError, RefusedError

LOCK_NAME = "lock"
_held: set[str] = set()  # state folders this process holds the lock of


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


@contextmanager
def workspace_lock(state_dir: Path) -> Iterator[None]:
    """Hold the workspace's lock for the ``with`` block; NotReadyError (exit 3) when taken."""
    key = os.path.realpath(state_dir)
    if key in _held:
        yield
        return
    if state_dir.is_symlink():
        raise RefusedError(
            f"{state_dir} is a symlink; devkit does not follow it to write its state",
            "remove the symlink (devkit recreates the folder), or check what the repository "
            "commits there",
        )
    state_dir.mkdir(exist_ok=True)
    path = state_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RefusedError(
                f"{path} is a symlink; devkit does not follow it",
                f"remove {path}: devkit recreates it",
            ) from None
        raise NotReadyError(
            f"cannot open the workspace lock {path}: {exc.strerror}",
            "check the permissions of the .devkit folder",
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise NotReadyError(
                f"another devkit (pid {_holder(fd)}) is working in this workspace",
                "wait for it to finish, then run the command again "
                "(read-only commands such as 'devkit status' work meanwhile)",
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock
