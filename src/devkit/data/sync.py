"""S3 → local folder: list once, fetch what changed in parallel, verify, rename, record.

Every object is streamed to ``.devkit-part-*`` in its destination folder, verified (size, then
the object's SHA-256 or CRC32 checksum, else its single-part ETag as MD5 — a multipart ETag is
not an MD5 and is never compared to one), renamed into place, and recorded in the manifest's
journal. An interrupted sync therefore leaves only whole, verified files under their final names.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import os
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit import safefs
from devkit.data.manifest import Manifest, file_sha256, prepare_dest
from devkit.data.selection import (
    RemoteObject,
    check_no_symlink,
    check_relpath,
    relative_key,
    select,
)
from devkit.errors import DevkitError, NotReadyError, RefusedError
from devkit.plan import CancelledError

if TYPE_CHECKING:
    from devkit.config.model import SampleRules
    from devkit.data.aws import S3

CHUNK = 1 << 20
PART_PREFIX = ".devkit-part-"


def check_manifest_entry(rel: str, manifest: Path) -> str:
    """A manifest entry names a file inside its dataset folder, or it is refused (exit 4)."""
    reason = safefs.confine_problem(rel)
    if reason:
        shown = rel if len(rel) <= 120 else rel[:120] + "…"
        raise RefusedError(
            f"{manifest}: entry {shown!r} {reason}: it names a file outside the dataset folder",
            "nothing was deleted; remove the manifest (it was tampered with) and sync again",
        )
    return rel


@dataclass
class SyncPlan:
    fetch: list[tuple[RemoteObject, str]] = field(default_factory=list)
    adopt: list[tuple[RemoteObject, str]] = field(default_factory=list)
    current: int = 0
    foreign: list[str] = field(default_factory=list)  # files in the way devkit did not write
    delete: list[str] = field(default_factory=list)
    selected: int = 0
    listed: int = 0

    @property
    def fetch_bytes(self) -> int:
        return sum(obj.size for obj, _ in self.fetch)


@dataclass
class SyncResult:
    plan: SyncPlan
    fetched: int = 0
    fetched_bytes: int = 0
    deleted: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    digest: str = ""

    def summary(self) -> str:
        p = self.plan
        parts = [f"{self.fetched} fetched ({_mb(self.fetched_bytes)})", f"{p.current} up to date"]
        if p.adopt:
            parts.append(f"{len(p.adopt)} already present, verified")
        if self.deleted:
            parts.append(f"{self.deleted} deleted")
        if p.foreign:
            parts.append(f"{len(p.foreign)} left alone (not written by devkit)")
        return f"{p.selected} of {p.listed} objects selected: " + ", ".join(parts)


def _mb(size: float) -> str:
    return f"{size / 1048576:.1f} MiB"


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def remote_matches(entry: dict[str, Any], obj: RemoteObject) -> bool:
    """The manifest entry describes this remote object (same size and ETag)."""
    return (
        entry.get("key") == obj.key
        and entry.get("size") == obj.size
        and (entry.get("etag") == obj.etag)
    )


class Syncer:
    def __init__(
        self,
        s3: S3,
        bucket: str,
        prefix: str,
        dest: Path,
        rules: SampleRules,
        concurrency: int = 8,
        delete: bool = False,
        verify: bool = False,
        progress: Callable[[int, int], None] | None = None,
        log: Callable[[str], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self.s3, self.bucket, self.prefix, self.dest = s3, bucket, prefix, dest
        self.rules, self.concurrency = rules, max(1, concurrency)
        self.delete, self.verify = delete, verify
        self.progress = progress or (lambda done, total: None)
        self.log = log or (lambda line: None)
        self.cancel = cancel or threading.Event()
        self.manifest = Manifest.load(dest)

    def build_plan(self, objects: list[RemoteObject] | None = None) -> SyncPlan:
        """Compare the listing with the manifest and the files; change nothing."""
        listed = objects if objects is not None else self.s3.list(self.bucket, self.prefix)
        chosen = select(listed, self.rules, self.prefix)
        if self.manifest.rejected:
            self.log(
                f"ignored {len(self.manifest.rejected)} manifest entries naming paths outside "
                f"{self.dest} (tampered with?)"
            )
        plan = SyncPlan(selected=len(chosen), listed=len(listed))
        wanted: set[str] = set()
        for obj in chosen:
            rel = check_relpath(relative_key(obj.key, self.prefix) or "", obj.key)
            check_no_symlink(self.dest, rel, obj.key)
            wanted.add(rel)
            entry = self.manifest.files.get(rel)
            if entry is not None and remote_matches(entry, obj):
                ok = (
                    self.manifest.verify_content(rel)
                    if self.verify
                    else self.manifest.local_state(rel) == "ok"
                )
                if ok:
                    plan.current += 1
                    continue
                plan.fetch.append((obj, rel))
            elif entry is None and (self.dest / rel).exists():
                plan.adopt.append((obj, rel))
            else:
                plan.fetch.append((obj, rel))
        if self.delete and self.manifest.kind == "s3":
            plan.delete = sorted(rel for rel in self.manifest.files if rel not in wanted)
        return plan

    def run(self, plan: SyncPlan | None = None) -> SyncResult:
        plan = plan or self.build_plan()
        prepare_dest(self.dest)
        self.manifest.kind = "s3"
        self.manifest.source = {"bucket": self.bucket, "prefix": self.prefix}
        self._remove_stale_parts()
        result = SyncResult(plan)
        for obj, rel in plan.adopt:
            if self._adopt(obj, rel):
                plan.current += 1
            else:
                plan.foreign.append(rel)
                self.log(f"left alone: {rel} exists and devkit did not write it")
        total = plan.fetch_bytes
        done_bytes = 0
        done_objects = 0
        lock = threading.Lock()
        last_log = last_progress = time.monotonic()
        self.progress(0, total)

        def one(obj: RemoteObject, rel: str) -> None:
            nonlocal done_bytes, done_objects, last_log, last_progress
            if self.cancel.is_set():
                return
            size = self._fetch(obj, rel)
            with lock:
                done_bytes += size
                done_objects += 1
                result.fetched += 1
                result.fetched_bytes += size
                now = time.monotonic()
                if now - last_progress >= 0.1 or done_objects == len(plan.fetch):
                    last_progress = now  # at most ten progress events a second
                    self.progress(done_bytes, total)
                if now - last_log >= 5:
                    last_log = now
                    self.log(f"{done_objects}/{len(plan.fetch)} objects, {_mb(done_bytes)}")

        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="devkit-sync")
        futures = [pool.submit(one, obj, rel) for obj, rel in plan.fetch]
        try:
            finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in finished if f.exception()), None)
            if failed is not None:
                raise failed.exception()  # type: ignore[misc]
            for rel in plan.delete:
                # The manifest may come from the clone: check the entry again right before.
                check_manifest_entry(rel, self.manifest.path)
                check_no_symlink(self.dest, rel, rel)
                safefs.unlink(self.dest / rel, root=self.dest, strict_from=self.dest)
                self.manifest.forget(rel)
                result.deleted += 1
        except BaseException:
            # Ctrl-C or a failed download: stop the other workers mid-stream (their partial
            # files are removed); everything verified so far stays recorded.
            self.cancel.set()
            for future in futures:
                future.cancel()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self.manifest.compact()
        result.requests = dict(self.s3.counts)
        result.digest = self.manifest.digest()
        return result

    def _remove_stale_parts(self) -> None:
        if self.dest.is_dir() and not self.dest.is_symlink():
            for folder, _dirs, names in os.walk(self.dest):  # never descends into symlinks
                for name in names:
                    part = Path(folder) / name
                    if name.startswith(PART_PREFIX) and part.is_file() and not part.is_symlink():
                        safefs.unlink(part, root=self.dest, strict_from=self.dest)

    def _adopt(self, obj: RemoteObject, rel: str) -> bool:
        """A file already at the target that matches the remote object byte for byte (a sync
        killed between rename and journal line, or a manual copy) is recorded, not refetched."""
        path = self.dest / rel
        if path.is_symlink() or not path.is_file() or path.stat().st_size != obj.size:
            return False
        if obj.multipart or not obj.etag:
            return False
        md5 = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                md5.update(chunk)
        if md5.hexdigest() != obj.etag.strip('"'):
            return False
        self.manifest.record(
            rel,
            {
                "key": obj.key,
                "size": obj.size,
                "etag": obj.etag,
                "last_modified": obj.last_modified,
                "sha256": file_sha256(path),
                "verified": "md5",
                "mtime_ns": path.stat().st_mtime_ns,
            },
        )
        return True

    def _fetch(self, obj: RemoteObject, rel: str) -> int:
        target = self.dest / rel
        check_no_symlink(self.dest, rel, obj.key)
        body, meta = self.s3.get(self.bucket, obj.key)
        expected = meta.get("ContentLength", obj.size)
        etag = str(meta.get("ETag", obj.etag))
        sha_remote = meta.get("ChecksumSHA256")
        crc_remote = meta.get("ChecksumCRC32")
        sdk = meta.get("SdkValidated")  # botocore verifies this checksum as the body streams
        # Multipart ETags and those of KMS/customer-key encrypted objects are not MD5s.
        not_md5 = "-" in etag.strip('"') or bool(
            meta.get("SSECustomerAlgorithm") or meta.get("ServerSideEncryption") == "aws:kms"
        )
        has_checksum = bool(sha_remote or crc_remote or sdk)
        # One pass over the bytes where possible: a SHA-256 botocore verifies is the content hash.
        sha = None if sdk == "sha256" else hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False) if not not_md5 and not has_checksum else None
        own_crc = bool(crc_remote) and not sha_remote and not sdk
        crc = 0
        size = 0
        try:
            with safefs.atomic_writer(
                target, root=self.dest, strict_from=self.dest, prefix=PART_PREFIX
            ) as handle:
                while chunk := body.read(CHUNK):
                    if self.cancel.is_set():
                        raise CancelledError("sync cancelled", "run the command again to finish")
                    handle.write(chunk)
                    if sha is not None:
                        sha.update(chunk)
                    if md5 is not None:
                        md5.update(chunk)
                    if own_crc:
                        crc = zlib.crc32(chunk, crc)
                    size += len(chunk)
                handle.flush()
                verified = self._verify(obj, rel, size, expected, sha, md5, crc, meta)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise NotReadyError(
                    f"disk full while writing {target}",
                    "free some space (or lower data.sample.max_bytes) and sync again",
                ) from None
            raise NotReadyError(
                f"cannot write {target}: {exc.strerror or exc}", "check the folder and sync again"
            ) from None
        except self.s3.read_errors() as exc:
            raise NotReadyError(
                f"reading s3://{self.bucket}/{obj.key} failed (connection or checksum): {exc}",
                "run the command again; verified files are kept",
            ) from None
        finally:
            body.close()
        self.manifest.record(
            rel,
            {
                "key": obj.key,
                "size": size,
                "etag": obj.etag,
                "last_modified": obj.last_modified,
                "sha256": sha.hexdigest()
                if sha is not None
                else base64.b64decode(str(sha_remote)).hex(),
                "verified": verified,
                "mtime_ns": target.stat().st_mtime_ns,
                **({"checksum_sha256": sha_remote} if sha_remote else {}),
                **({"checksum_crc32": crc_remote} if crc_remote else {}),
            },
        )
        return size

    def _verify(
        self,
        obj: RemoteObject,
        rel: str,
        size: int,
        expected: int,
        sha: Any,
        md5: Any,
        crc: int,
        meta: dict[str, Any],
    ) -> str:
        def bad(what: str) -> DevkitError:
            return NotReadyError(
                f"s3://{self.bucket}/{obj.key}: {what}; the download was discarded",
                "run the command again; if it persists the object changed or is corrupt upstream",
            )

        if size != expected or size != obj.size:
            raise bad(f"got {size} bytes, expected {expected} (listed {obj.size})")
        sdk = meta.get("SdkValidated")
        if sdk:
            return str(sdk)  # botocore compared it when the stream ended, or raised
        sha_remote = meta.get("ChecksumSHA256")
        crc_remote = meta.get("ChecksumCRC32")
        if sha_remote and "-" not in str(sha_remote):
            if _b64(sha.digest()) != sha_remote:
                raise bad("SHA-256 checksum mismatch")
            return "sha256"
        if crc_remote and "-" not in str(crc_remote):
            if _b64(crc.to_bytes(4, "big")) != crc_remote:
                raise bad("CRC32 checksum mismatch")
            return "crc32"
        if md5 is not None:
            etag = str(meta.get("ETag", obj.etag)).strip('"')
            if md5.hexdigest() != etag:
                raise bad("MD5 does not match the ETag")
            return "md5"
        return "size"
