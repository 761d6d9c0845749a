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

from devkit.core.errors import NotReadyError, RefusedError

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from os import PathLike

LOCK_NAME = "lock"
_held: set[str] = set()  # state folders this process holds the lock of


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return "?"
    return text if text.isdigit() else "?"


class workspace_lock:
    """Hold the workspace's lock for the ``with`` block; NotReadyError (exit 3) when taken.

    A class rather than a generator (``contextlib`` is start-up time for the quickest
    commands, which take this lock too)."""

    def __init__(self, state_dir: str | PathLike[str]) -> None:
        self.state_dir = state_dir
        self._key = os.path.realpath(state_dir)
        self._fd: int | None = None

    def __enter__(self) -> None:
        if self._key in _held:
            return  # a plan inside another in this process: the outer one holds it
        state_dir = self.state_dir
        if os.path.islink(state_dir):
            raise RefusedError(
                f"{state_dir} is a symlink; devkit does not follow it to write its state",
                "remove the symlink (devkit recreates the folder), or check what the repository "
                "commits there",
            )
        try:  # noqa: SIM105 - no contextlib: start-up time of the quickest commands
            os.mkdir(state_dir)
        except FileExistsError:
            pass
        path = os.path.join(state_dir, LOCK_NAME)
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
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        _held.add(self._key)

    def __exit__(self, *_: object) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        _held.discard(self._key)
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the descriptor releases the flock
