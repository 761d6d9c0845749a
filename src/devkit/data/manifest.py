"""The local manifest of a dataset folder: what devkit wrote there, verified, file by file.

``<dest>/.devkit-manifest.json`` holds the compacted state; ``<dest>/.devkit-manifest.journal``
gets one JSON line per file as soon as it is verified and renamed into place (append-only, so a
``kill -9`` loses at most the line being written, which is ignored when torn). Loading replays the
journal over the JSON; ``compact`` folds it in atomically (temp file + rename) and removes it.

The folder may come from an untrusted clone: both files are opened through ``devkit.safefs``
(no symlink followed below the dataset folder, temp files created exclusively), loading reads at
most ``MAX_MANIFEST_BYTES``, and entries whose path would leave the folder are dropped at load
(``rejected``) and checked again before any file is removed.
"""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.core.errors import DevkitError
from devkit.core.records import dataclass, field
from devkit.data.checksums import file_checksum
from devkit.data.names import JOURNAL_NAME, MANIFEST_NAME
from devkit.digest import sha256

FORMAT = 1
HASH_CHUNK = 1 << 20
MAX_MANIFEST_BYTES = 256 << 20


def dataset_root(dest: Path) -> Path:
    """The trusted root writes into ``dest`` walk from: its git repository, else ``dest``."""
    root = safefs.find_root(dest / "_")
    return root if os.path.lexists(root / ".git") else dest


def prepare_dest(dest: Path) -> Path:
    """Create the dataset folder, following no symlink the repository committed on the way."""
    root = dataset_root(dest)
    if root == dest:
        os.makedirs(dest, exist_ok=True)  # a folder the user named outside any repository
    else:
        safefs.ensure_dir(dest, root=root)
    return dest


@dataclass
class Manifest:
    dest: Path
    kind: str = "s3"  # "s3" or "synthetic"
    source: dict[str, Any] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _journal: Any = field(default=None, repr=False, compare=False)
    _loaded: tuple[str, dict[str, Any]] | None = field(default=None, repr=False, compare=False)
    rejected: list[str] = field(default_factory=list, repr=False, compare=False)

    def _read(self, path: Path) -> bytes | None:
        root = dataset_root(self.dest)
        try:
            return safefs.read_bytes(
                path, MAX_MANIFEST_BYTES, root=root, strict_from=self.dest, missing_ok=True
            )
        except DevkitError:
            raise
        except OSError:
            return None

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
        if not os.path.lexists(dest):
            return manifest
        body = manifest._read(manifest.path)
        try:
            data = json.loads(body) if body else {}
        except (ValueError, RecursionError):
            data = {}
        if isinstance(data, dict) and data.get("format") == FORMAT:
            files = data.get("files", {})
            source = data.get("source", {})
            manifest.kind = str(data.get("kind", "s3"))
            manifest.source = dict(source) if isinstance(source, dict) else {}
            for key, value in files.items() if isinstance(files, dict) else ():
                manifest._put(str(key), value)
        journal = manifest._read(manifest.journal_path)
        for line in (journal or b"").splitlines():
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):
                continue  # a line torn by a kill: its file is re-verified on the next run
            if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
                continue
            if entry.get("removed"):
                manifest.files.pop(entry["path"], None)
            else:
                manifest._put(entry["path"], {k: v for k, v in entry.items() if k != "path"})
        manifest._loaded = (manifest.kind, dict(manifest.source))
        return manifest

    def _put(self, rel: str, entry: object) -> None:
        """Keep an entry read from disk only when its path stays inside the folder."""
        if not isinstance(entry, dict) or safefs.confine_problem(rel) is not None:
            self.rejected.append(rel)
            return
        self.files[rel] = dict(entry)

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
            self._journal = safefs.open_append(
                self.journal_path, root=dataset_root(self.dest), strict_from=self.dest
            )
        os.write(self._journal, line.encode("utf-8"))

    def compact(self) -> None:
        """Write the whole manifest atomically and drop the journal (no-op when unchanged)."""
        with self._lock:
            state = (self.kind, self.source)
            if (
                self._journal is None
                and not os.path.lexists(self.journal_path)
                and os.path.lexists(self.path)
                and state == self._loaded
            ):
                return
            data = {
                "format": FORMAT,
                "kind": self.kind,
                "source": self.source,
                "files": {k: self.files[k] for k in sorted(self.files)},
            }
            text = json.dumps(data, indent=1, sort_keys=True) + "\n"
            root = dataset_root(self.dest)
            safefs.write_text(self.path, text, root=root, strict_from=self.dest, fsync=True)
            if self._journal is not None:
                os.close(self._journal)
                self._journal = None
            safefs.unlink(self.journal_path, root=root, strict_from=self.dest)

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
        try:
            found = os.lstat(os.path.join(self.dest, rel))  # one system call per file
        except FileNotFoundError:
            return "missing"
        return self.state_of(rel, found)

    def state_of(self, rel: str, found: os.stat_result | None) -> str:
        """``local_state`` from the file's ``lstat`` the caller already has (None: no file)."""
        if found is None:
            return "missing"
        entry = self.files.get(rel)
        if entry is None or not stat.S_ISREG(found.st_mode):  # a symlink is not S_ISREG
            return "changed"
        if found.st_size != entry.get("size"):
            return "changed"
        if found.st_mtime_ns == entry.get("mtime_ns"):
            return "ok"
        if not content_matches(self.dest / rel, entry):
            return "changed"
        self.record(rel, {**entry, "mtime_ns": found.st_mtime_ns})
        return "ok"

    def verify_content(self, rel: str) -> bool:
        """Hash the file and compare with the manifest (for --verify)."""
        entry = self.files.get(rel)
        target = self.dest / rel
        return (
            entry is not None
            and target.is_file()
            and not target.is_symlink()
            and content_matches(target, entry)
        )


def content_matches(path: Path, entry: dict[str, Any]) -> bool:
    """The file hashes to what the entry recorded: its ``checksum`` (the one the server
    confirmed, see ``devkit.data.checksums``), else its SHA-256 (older manifests, synthetic
    data). A checksum this machine cannot compute counts as a mismatch (fetched again)."""
    recorded = entry.get("checksum")
    if isinstance(recorded, str) and ":" in recorded:
        return file_checksum(path, recorded.split(":", 1)[0]) == recorded
    return file_sha256(path) == entry.get("sha256")


def content_id(entry: dict[str, Any]) -> str | None:
    """What identifies an entry's content: ``sha256:HEX`` when known, else its checksum."""
    if entry.get("sha256"):
        return f"sha256:{entry['sha256']}"
    recorded = entry.get("checksum")
    return str(recorded) if recorded else None


def file_sha256(path: Path) -> str:
    import hashlib  # OpenSSL's SHA-256 for file contents; loaded only when a file is hashed

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def digest_of(files: dict[str, dict[str, Any]]) -> str:
    """A digest of the dataset's content: sorted paths with their size and SHA-256."""
    digest = sha256()
    for rel in sorted(files):
        entry = files[rel]
        content = entry.get("sha256") or entry.get("checksum")
        digest.update(f"{rel}\0{entry.get('size')}\0{content}\n".encode())
    return "sha256:" + digest.hexdigest()


def manifest_digest(dest: Path | str) -> str | None:
    """The content digest of the dataset devkit wrote at ``dest``; None when it wrote none."""
    folder = Path(dest)
    if not os.path.lexists(folder / MANIFEST_NAME) and not os.path.lexists(folder / JOURNAL_NAME):
        return None
    return Manifest.load(folder).digest()
