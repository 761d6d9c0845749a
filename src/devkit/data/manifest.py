"""The local manifest of a dataset folder: what devkit wrote there, verified, file by file.

``<dest>/.devkit-manifest.json`` holds the compacted state; ``<dest>/.devkit-manifest.journal``
gets one JSON line per file as soon as it is verified and renamed into place (append-only, so a
``kill -9`` loses at most the line being written, which is ignored when torn). Loading replays the
journal over the JSON; ``compact`` folds it in atomically (temp file + rename) and removes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_NAME = ".devkit-manifest.json"
JOURNAL_NAME = ".devkit-manifest.journal"
FORMAT = 1
HASH_CHUNK = 1 << 20


@dataclass
class Manifest:
    dest: Path
    kind: str = "s3"  # "s3" or "synthetic"
    source: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _journal: Any = field(default=None, repr=False, compare=False)
    _loaded: tuple[str, dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    @property
    def path(self) -> Path:
        return self.dest / MANIFEST_NAME

    @property
    def journal_path(self) -> Path:
        return self.dest / JOURNAL_NAME

    @classmethod
    def load(cls, dest: Path) -> Manifest:
        """The manifest at ``dest`` with its journal replayed; empty when there is none."""
        manifest = cls(dest)
        if manifest.path.is_file():
            try:
                data = json.loads(manifest.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            if isinstance(data, dict) and data.get("format") == FORMAT:
                manifest.kind = str(data.get("kind", "s3"))
                manifest.source = dict(data.get("source", {}))
                manifest.files = {str(k): dict(v) for k, v in data.get("files", {}).items()}
        if manifest.journal_path.is_file():
            for line in manifest.journal_path.read_bytes().splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line torn by a kill: its file is re-verified on the next run
                if not isinstance(entry, dict) or "path" not in entry:
                    continue
                if entry.get("removed"):
                    manifest.files.pop(entry["path"], None)
                else:
                    manifest.files[entry["path"]] = {k: v for k, v in entry.items() if k != "path"}
        manifest._loaded = (manifest.kind, dict(manifest.source))
        return manifest

    def record(self, rel: str, entry: dict[str, Any]) -> None:
        """Remember one verified file, durably against a kill of the process (thread-safe)."""
        line = json.dumps({"path": rel, **entry}, sort_keys=True) + "\n"
        with self._lock:
            self.files[rel] = dict(entry)
            self._append(line)

    def forget(self, rel: str) -> None:
        with self._lock:
            self.files.pop(rel, None)
            self._append(json.dumps({"path": rel, "removed": True}) + "\n")

    def _append(self, line: str) -> None:
        if self._journal is None:
            self.dest.mkdir(parents=True, exist_ok=True)
            self._journal = os.open(
                self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644
            )
        os.write(self._journal, line.encode("utf-8"))

    def compact(self) -> None:
        """Write the whole manifest atomically and drop the journal (no-op when unchanged)."""
        with self._lock:
            state = (self.kind, self.source)
            if (
                self._journal is None
                and not self.journal_path.exists()
                and self.path.exists()
                and state == self._loaded
            ):
                return
            data = {
                "format": FORMAT,
                "kind": self.kind,
                "source": self.source,
                "files": {k: self.files[k] for k in sorted(self.files)},
            }
            self.dest.mkdir(parents=True, exist_ok=True)
            tmp = self.dest / (MANIFEST_NAME + ".tmp")
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
            if self._journal is not None:
                os.close(self._journal)
                self._journal = None
            self.journal_path.unlink(missing_ok=True)

    def close(self) -> None:
        with self._lock:
            if self._journal is not None:
                os.fsync(self._journal)
                os.close(self._journal)
                self._journal = None

    def digest(self) -> str:
        return digest_of(self.files)

    def local_state(self, rel: str) -> str:
        """'ok' when the file is as recorded, 'missing', or 'changed' (content differs).

        Fast path: size and mtime as recorded. Only when they differ is the file hashed; when
        the hash still matches, the new mtime is remembered and the file counts as ok.
        """
        entry = self.files.get(rel)
        target = self.dest / rel
        try:
            stat = target.lstat()
        except FileNotFoundError:
            return "missing"
        if entry is None or not target.is_file() or target.is_symlink():
            return "changed"
        if stat.st_size != entry.get("size"):
            return "changed"
        if stat.st_mtime_ns == entry.get("mtime_ns"):
            return "ok"
        if file_sha256(target) != entry.get("sha256"):
            return "changed"
        self.record(rel, {**entry, "mtime_ns": stat.st_mtime_ns})
        return "ok"

    def verify_content(self, rel: str) -> bool:
        """Hash the file and compare with the manifest (for --verify)."""
        entry = self.files.get(rel)
        target = self.dest / rel
        return (
            entry is not None
            and target.is_file()
            and not target.is_symlink()
            and file_sha256(target) == entry.get("sha256")
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def digest_of(files: dict[str, dict[str, Any]]) -> str:
    """A digest of the dataset's content: sorted paths with their size and SHA-256."""
    digest = hashlib.sha256()
    for rel in sorted(files):
        entry = files[rel]
        digest.update(f"{rel}\0{entry.get('size')}\0{entry.get('sha256')}\n".encode())
    return "sha256:" + digest.hexdigest()


def manifest_digest(dest: Path | str) -> str | None:
    """The content digest of the dataset devkit wrote at ``dest``; None when it wrote none."""
    folder = Path(dest)
    if not (folder / MANIFEST_NAME).is_file() and not (folder / JOURNAL_NAME).is_file():
        return None
    return Manifest.load(folder).digest()
