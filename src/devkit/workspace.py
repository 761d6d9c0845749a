"""The developer's git repository and devkit's own state folder inside it (``.devkit/``)."""

from __future__ import annotations

import os
from pathlib import Path

from devkit import safefs
from devkit.core.errors import ConfigError
from devkit.core.records import dataclass

STATE_DIR = ".devkit"
# Everything in .devkit/ is local state except the workspace's own profiles and environments map.
STATE_GITIGNORE = "*\n!.gitignore\n!profiles/\n!profiles/**\n!environments.yaml\n"


def find_git_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder, or a worktree file)."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


@dataclass(frozen=True)
class Workspace:
    root: Path

    @classmethod
    def locate(cls, explicit: str | None = None, require_git: bool = True) -> Workspace:
        """The workspace named by --workspace, else the git root above the current folder."""
        if explicit:
            path = Path(explicit).expanduser()
            if not path.is_dir():
                raise ConfigError(
                    f"workspace '{explicit}' is not a folder",
                    "pass --workspace with the path of your git repository",
                )
            root = find_git_root(path)
            if root is None and require_git:
                raise ConfigError(
                    f"workspace '{explicit}' is not a git repository",
                    "run 'git init' there, or pass the repository's root",
                )
            return cls(root or path.resolve())
        here = Path(os.getcwd())
        root = find_git_root(here)
        if root is None:
            if require_git:
                raise ConfigError(
                    f"{here} is not inside a git repository",
                    "cd into your repository or pass --workspace PATH",
                )
            return cls(here.resolve())
        return cls(root)

    @property
    def state(self) -> Path:
        return self.root / STATE_DIR

    def state_path(self, *parts: str) -> Path:
        """A path under .devkit/, creating the folder (and its .gitignore) on first use.

        The folders are made through ``devkit.safefs``: a symlink the repository committed on
        the way is refused, never followed. Write the file itself with ``safefs`` too.
        """
        self.ensure_state()
        path = self.state.joinpath(*parts)
        safefs.ensure_dir(path.parent, root=self.root)
        return path

    def write_state(self, *parts: str, text: str) -> Path:
        """Replace a file under .devkit/ atomically, following no committed symlink."""
        path = self.state_path(*parts)
        safefs.write_text(path, text, root=self.root)
        return path

    def read_state_text(self, *parts: str, limit: int = 1 << 20) -> str | None:
        """A small file under .devkit/ (None when missing); a committed symlink is refused."""
        data = safefs.read_bytes(
            self.state.joinpath(*parts), limit, root=self.root, missing_ok=True
        )
        return None if data is None else data.decode("utf-8", errors="replace")

    def ensure_state(self) -> None:
        safefs.ensure_dir(self.state, root=self.root)
        ignore = self.state / ".gitignore"
        if not os.path.lexists(ignore):
            safefs.write_text(ignore, STATE_GITIGNORE, root=self.root)

    def is_git(self) -> bool:
        return (self.root / ".git").exists()
