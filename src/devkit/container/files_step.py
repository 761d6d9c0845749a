"""The step that writes ``.devcontainer/devcontainer.json`` and ``.devcontainer/Dockerfile``.

Files that already hold the rendered text are left alone (their mtime does not change). Files
that differ are replaced only when the caller allowed it (``--force``, ``--yes`` or a yes to the
question); a timestamped copy goes to ``.devkit/backups/`` first and the unified diff is
reported as log lines. Writes are atomic (temporary file, then rename).
"""

from __future__ import annotations

import difflib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from devkit.container.render import CONFIG_NAME, DEVCONTAINER_DIR, DOCKERFILE_NAME, Rendered
from devkit.errors import RefusedError
from devkit.plan import StepContext, StepResult

BACKUP_DIR = ".devkit/backups"


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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.devkit-tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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
            path = self.workspace / rel
            old = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
            if old != text:
                found.append(FileChange(rel, old, text))
        return found

    def replacements(self) -> list[FileChange]:
        """Changes that would replace a file someone may have edited."""
        return [c for c in self.changes() if c.old is not None]

    def describe(self) -> list[str]:
        lines: list[str] = []
        for change in self.changes():
            if change.old is None:
                lines.append(f"create {change.rel}")
            else:
                lines.append(f"replace {change.rel} (backup under {BACKUP_DIR}/), diff:")
                lines += [f"  {line}" for line in change.diff()]
        return lines

    def is_done(self) -> bool:
        return not self.changes()

    def run(self, ctx: StepContext) -> StepResult:
        changes = self.changes()
        replaced = [c for c in changes if c.old is not None]
        if replaced and not self.overwrite:
            names = ", ".join(c.rel for c in replaced)
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
                backup.parent.mkdir(parents=True, exist_ok=True)
                backup.write_bytes(path.read_bytes())
                ctx.log(f"backed up {change.rel} to {backup.relative_to(self.workspace)}")
                for line in change.diff():
                    ctx.log(line)
            atomic_write(path, change.new)
        created = sum(1 for c in changes if c.old is None)
        summary = f"{created} created, {len(replaced)} replaced"
        if backup_root is not None:
            summary += f" (backup in {backup_root.relative_to(self.workspace)})"
        return StepResult(summary, {"files": [c.rel for c in changes]})
