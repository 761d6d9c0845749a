"""What the local inputs of a no-op sync look like now, for ``devkit.data.quick``'s record.

Each input is a ``[kind, path]`` pair and its *signature*, a plain value (lists, ints, strings)
compared for equality: ``entry`` (the path's lstat: type, mode, size, mtime, ctime, inode; for
a symlink its target's too), ``folder`` (type and identity only: a folder's times change with
its entries), ``git`` (a ``.git`` folder as a folder, a ``.git`` file as an entry) and
``listing`` (every entry of a folder with its lstat). A path that cannot be read is a signature
of its own (never an error). ``dataset_state`` is the dataset folder's: the manifest, the journal,
every folder's identity and every selected file's size and mtime.
"""

from __future__ import annotations

import os
import stat

from devkit.data.names import JOURNAL_NAME, MANIFEST_NAME, PART_PREFIX

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


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


def signature(kind: str, path: str) -> Any:
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


def dataset_state(dest: str, files: dict[str, list[int]]) -> dict[str, Any] | None:
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
        shape = signature("folder", path)
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
        "manifest": signature("entry", os.path.join(dest, MANIFEST_NAME)),
        "journal": signature("entry", os.path.join(dest, JOURNAL_NAME)),
    }


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
    found = [[kind, path, signature(kind, path)] for kind, path in inputs]
    index = git_index(root) if has_symlink(found) else None
    if index is not None:
        found.append(["entry", index, signature("entry", index)])
    return found


def way_to(root: str, dest: str) -> list[list[Any]] | None:
    """Every folder on the way to ``dest`` (its ancestors, file system root excluded), by type
    and identity (``folder``: a symlink swapped in is another inode); with the repository's
    index when one is a symlink inside the workspace (tracked, the full run refuses it). None
    when a symlink is on the way outside it."""
    way: list[list[Any]] = []
    here = os.path.dirname(dest)
    while os.path.dirname(here) != here:
        way.append(["folder", here, signature("folder", here)])
        here = os.path.dirname(here)
    linked = [path for _, path, shape in way if has_symlink([["folder", path, shape]])]
    if not linked:
        return way
    inside = all(path == root or path.startswith(root + os.sep) for path in linked)
    index = git_index(root) if inside else None
    if index is None:
        return None
    return [*way, ["entry", index, signature("entry", index)]]
