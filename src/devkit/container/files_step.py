"""The step that writes ``.devcontainer/`` (the committed, portable files) and the machine-local
override config ``.devkit/devcontainer.local.json``.

Files that already hold the rendered content are left alone (their mtime does not change) — on a
fresh clone too: with no ``.devkit/state.json`` yet, identical files count as done and their
checksums are recorded, nothing is rewritten or backed up. A file that differs is replaced
without asking when it is exactly what devkit wrote last time (the profile or a flag changed;
``.devkit/state.json`` keeps the sha256 of what devkit wrote); a file someone edited, or one
devkit never wrote, is replaced only when the caller allowed it (``--force``, ``--yes`` or a yes
to the question). Either way a timestamped copy goes to ``.devkit/backups/`` first and the
unified diff is reported as log lines. A file devkit wrote before and no longer renders (a
vendored wheel of an older devkit, say) is removed when unchanged since. Writes are atomic
(temporary file, then rename).
"""

from __future__ import annotations

import difflib
import hashlib
import time
from pathlib import Path

from devkit import safefs
from devkit.container.render import OVERRIDE_FILE, Rendered
from devkit.core.errors import RefusedError
from devkit.core.plan import StepContext, StepResult
from devkit.core.records import dataclass
from devkit.state import FILES_KEY, WorkspaceState
from devkit.workspace import Workspace

BACKUP_DIR = ".devkit/backups"


def sha(data: str | bytes) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def _text(data: bytes | None) -> str | None:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


@dataclass(frozen=True)
class FileChange:
    rel: str
    old: bytes | None
    new: bytes

    def diff(self) -> list[str]:
        old, new = _text(self.old or b""), _text(self.new)
        if old is None or new is None:
            return [f"Binary files a/{self.rel} and b/{self.rel} differ"]
        return list(
            difflib.unified_diff(
                old.splitlines(keepends=False),
                new.splitlines(keepends=False),
                fromfile=f"a/{self.rel}",
                tofile=f"b/{self.rel}",
                lineterm="",
            )
        )


def atomic_write(path: Path, text: str | bytes) -> None:
    if isinstance(text, bytes):
        safefs.write_bytes(path, text)
    else:
        safefs.write_text(path, text)


def read_current(workspace: Path, rel: str) -> bytes | None:
    """A devcontainer file's bytes; a symlink the repository committed there is refused."""

    return safefs.read_bytes(workspace / rel, 64 << 20, root=workspace, missing_ok=True)


class DevcontainerFilesStep:
    id = "devcontainer"
    title = "Devcontainer files"

    def __init__(self, workspace: Path, rendered: Rendered, overwrite: bool = False) -> None:
        self.workspace = workspace
        self.rendered = rendered
        self.overwrite = overwrite

    def wanted(self) -> dict[str, bytes]:
        return dict(self.rendered.files)

    def _read(self, rel: str) -> bytes | None:
        return read_current(self.workspace, rel)

    def changes(self) -> list[FileChange]:
        found: list[FileChange] = []
        for rel, data in self.wanted().items():
            old = self._read(rel)
            if old != data:
                found.append(FileChange(rel, old, data))
        return found

    def written_before(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in WorkspaceState(self.workspace).entry(FILES_KEY).items()}

    def stale(self) -> list[str]:
        """Files devkit wrote before, no longer rendered, unchanged since: to remove."""
        wanted = self.wanted()
        found: list[str] = []
        for rel, digest in sorted(self.written_before().items()):
            if rel in wanted:
                continue
            old = self._read(rel)
            if old is not None and sha(old) == digest:
                found.append(rel)
        return found

    def replacements(self) -> list[FileChange]:
        """Changes that would replace a file someone edited (or devkit never wrote)."""
        written = self.written_before()
        return [c for c in self.changes() if c.old is not None and written.get(c.rel) != sha(c.old)]

    def _override_current(self) -> bool:
        return _text(self._read(OVERRIDE_FILE)) == self.rendered.override_json

    def describe(self) -> list[str]:
        lines: list[str] = []
        for change in self.changes():
            if change.old is None:
                lines.append(f"create {change.rel}")
            else:
                lines.append(f"replace {change.rel} (backup under {BACKUP_DIR}/), diff:")
                lines += [f"  {line}" for line in change.diff()]
        lines += [f"remove {rel} (devkit wrote it; no longer rendered)" for rel in self.stale()]
        if not lines and not self._recorded():
            lines.append("record the files' checksums (they already match the profile)")
        if not self._override_current():
            lines.append(f"write {OVERRIDE_FILE} (this machine's layer, git-ignored)")
        return lines

    def _recorded(self) -> bool:
        written = self.written_before()
        return all(written.get(rel) == sha(data) for rel, data in self.wanted().items())

    def is_done(self) -> bool:
        if self.changes() or self.stale() or not self._override_current():
            return False
        return self._recorded()

    def run(self, ctx: StepContext) -> StepResult:
        changes = self.changes()
        stale = self.stale()
        replaced = [c for c in changes if c.old is not None]
        edited = self.replacements()
        if edited and not self.overwrite:
            names = ", ".join(c.rel for c in edited)
            raise RefusedError(
                f"{names} differ from what the profile renders and would be replaced",
                "review the diff with --dry-run, then run again with --force (a backup is kept)",
            )
        backup_root: Path | None = None
        if replaced or stale:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            backup_root = self.workspace / BACKUP_DIR / stamp
            suffix = 1
            while backup_root.exists():
                suffix += 1
                backup_root = self.workspace / BACKUP_DIR / f"{stamp}-{suffix}"

        def backup(rel: str) -> None:
            assert backup_root is not None
            target = backup_root / rel
            old = self._read(rel)
            atomic_write(target, old if old is not None else b"")
            ctx.log(f"backed up {rel} to {target.relative_to(self.workspace)}")

        for change in changes:
            path = self.workspace / change.rel
            if change.old is not None and backup_root is not None:
                backup(change.rel)
                for line in change.diff():
                    ctx.log(line)
            atomic_write(path, change.new)
        for rel in stale:
            backup(rel)
            safefs.unlink(self.workspace / rel, root=self.workspace)
            ctx.log(f"removed {rel} (no longer rendered)")
        written = {rel: sha(d) for rel, d in self.wanted().items()}
        WorkspaceState(self.workspace).update(**{FILES_KEY: written})
        if not self._override_current():
            Workspace(self.workspace).ensure_state()
            atomic_write(self.workspace / OVERRIDE_FILE, self.rendered.override_json)
            ctx.log(f"wrote {OVERRIDE_FILE} (this machine's layer; git-ignored)")
        created = sum(1 for c in changes if c.old is None)
        if not changes and not stale:
            summary = "files already match the profile (checksums recorded)"
        else:
            summary = f"{created} created, {len(replaced)} replaced"
            if stale:
                summary += f", {len(stale)} removed"
        if backup_root is not None:
            summary += f" (backup in {backup_root.relative_to(self.workspace)})"
        return StepResult(summary, {"files": [c.rel for c in changes], "removed": stale})
