"""The step that writes ``.devcontainer/devcontainer.json`` and ``.devcontainer/Dockerfile``.

Files that already hold the rendered text are left alone (their mtime does not change). A file
that differs is replaced without asking when it is exactly what devkit wrote last time (the
profile or a flag changed; ``.devkit/state.json`` keeps the sha256 of what devkit wrote); a file
someone edited, or one devkit never wrote, is replaced only when the caller allowed it
(``--force``, ``--yes`` or a yes to the question). Either way a timestamped copy goes to
``.devkit/backups/`` first and the unified diff is reported as log lines. Writes are atomic
(temporary file, then rename).
"""

from __future__ import annotations

import difflib
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from devkit.container.render import CONFIG_NAME, DEVCONTAINER_DIR, DOCKERFILE_NAME, Rendered
from devkit.errors import RefusedError
from devkit.plan import StepContext, StepResult

BACKUP_DIR = ".devkit/backups"
STATE_KEY = "devcontainer_files"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class FileChange:
    rel: str
    old: str | None
    new: str

    def diff(self) -> list[str]:
        old = (self.old or "").splitlines(keepends=False)
        return list(
            difflib.unified_diff(
                old,
                self.new.splitlines(keepends=False),
                fromfile=f"a/{self.rel}",
                tofile=f"b/{self.rel}",
                lineterm="",
            )
        )


def atomic_write(path: Path, text: str) -> None:
    from devkit import safefs

    safefs.write_text(path, text)


def read_current(workspace: Path, rel: str) -> str | None:
    """A devcontainer file's text; a symlink the repository committed there is refused."""
    from devkit import safefs

    data = safefs.read_bytes(workspace / rel, 16 << 20, root=workspace, missing_ok=True)
    return None if data is None else data.decode("utf-8", errors="replace")


class DevcontainerFilesStep:
    id = "devcontainer"
    title = "Devcontainer files"

    def __init__(self, workspace: Path, rendered: Rendered, overwrite: bool = False) -> None:
        self.workspace = workspace
        self.rendered = rendered
        self.overwrite = overwrite

    def wanted(self) -> dict[str, str]:
        return {
            f"{DEVCONTAINER_DIR}/{CONFIG_NAME}": self.rendered.devcontainer_json,
            f"{DEVCONTAINER_DIR}/{DOCKERFILE_NAME}": self.rendered.dockerfile,
        }

    def changes(self) -> list[FileChange]:
        found: list[FileChange] = []
        for rel, text in self.wanted().items():
            old = read_current(self.workspace, rel)
            if old != text:
                found.append(FileChange(rel, old, text))
        return found

    def written_before(self) -> dict[str, str]:
        from devkit.container.state import read_state

        found = read_state(self.workspace).get(STATE_KEY)
        return dict(found) if isinstance(found, dict) else {}

    def replacements(self) -> list[FileChange]:
        """Changes that would replace a file someone edited (or devkit never wrote)."""
        written = self.written_before()
        return [c for c in self.changes() if c.old is not None and written.get(c.rel) != sha(c.old)]

    def describe(self) -> list[str]:
        lines: list[str] = []
        for change in self.changes():
            if change.old is None:
                lines.append(f"create {change.rel}")
            else:
                lines.append(f"replace {change.rel} (backup under {BACKUP_DIR}/), diff:")
                lines += [f"  {line}" for line in change.diff()]
        if not lines and not self.is_done():
            lines.append("record the files' checksums (they already match the profile)")
        return lines

    def is_done(self) -> bool:
        if self.changes():
            return False
        written = self.written_before()
        return all(written.get(rel) == sha(text) for rel, text in self.wanted().items())

    def run(self, ctx: StepContext) -> StepResult:
        from devkit.container.state import update_state

        changes = self.changes()
        replaced = [c for c in changes if c.old is not None]
        edited = self.replacements()
        if edited and not self.overwrite:
            names = ", ".join(c.rel for c in edited)
            raise RefusedError(
                f"{names} differ from what the profile renders and would be replaced",
                "review the diff with --dry-run, then run again with --force (a backup is kept)",
            )
        backup_root: Path | None = None
        if replaced:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            backup_root = self.workspace / BACKUP_DIR / stamp
            suffix = 1
            while backup_root.exists():
                suffix += 1
                backup_root = self.workspace / BACKUP_DIR / f"{stamp}-{suffix}"
        for change in changes:
            path = self.workspace / change.rel
            if change.old is not None and backup_root is not None:
                backup = backup_root / change.rel
                atomic_write(backup, change.old)
                ctx.log(f"backed up {change.rel} to {backup.relative_to(self.workspace)}")
                for line in change.diff():
                    ctx.log(line)
            atomic_write(path, change.new)
        update_state(self.workspace, STATE_KEY, {rel: sha(t) for rel, t in self.wanted().items()})
        created = sum(1 for c in changes if c.old is None)
        summary = f"{created} created, {len(replaced)} replaced"
        if backup_root is not None:
            summary += f" (backup in {backup_root.relative_to(self.workspace)})"
        return StepResult(summary, {"files": [c.rel for c in changes]})
