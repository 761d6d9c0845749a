"""S3 → local folder: list once, fetch what changed in parallel, verify, rename, record.

Every object is streamed to ``.devkit-part-*`` in its destination folder, verified (size, then
the one checksum the server can confirm for it — see ``devkit.data.checksums``: an S3
additional checksum, else its single-part ETag as MD5; a multipart ETag is not an MD5 and is
never compared to one), renamed into place, and recorded in the manifest's journal. An
interrupted sync therefore leaves only whole, verified files under their final names.

Objects above ``ranged_threshold`` bytes are fetched as ranged GETs by the same pool of
``concurrency`` workers as everything else (one budget for all objects); ``devkit.data.parts``
holds the part size, each object's record of its parts and the sidecar. Each part is written
in place into the exclusively created temp file (``safefs.PartialFile``), and recorded in a
sidecar (``<temp>.parts``) once written, so an interrupted download resumes with its missing
parts. The whole object's checksum is still verified: CRCs of the parts are combined,
SHA-256/MD5 are computed over the parts in order as they complete. A stream that
breaks is asked for again from the byte where it broke (``STREAM_RETRIES`` times).
"""

from __future__ import annotations

import base64
import contextlib
import errno
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit import safefs
from devkit.core.errors import DevkitError, NotReadyError, RefusedError
from devkit.core.plan import CancelledError
from devkit.core.records import dataclass, field
from devkit.data import checksums, parts
from devkit.data.manifest import Manifest, prepare_dest
from devkit.data.names import PART_PREFIX, SIDECAR_SUFFIX
from devkit.data.parts import RangedJob, part_size_for
from devkit.data.selection import (
    RemoteObject,
    check_no_symlink,
    check_relpath,
    relative_key,
    select,
)
from devkit.data.workers import Workers

if TYPE_CHECKING:
    from devkit.config.model import SampleRules
    from devkit.data.aws import S3

CHUNK = 1 << 20
RANGED_THRESHOLD = 16 << 20
STREAM_RETRIES = 5


def _env_size(name: str, default: int, floor: int) -> int:
    """A size from the environment (bench and tests tune the part size); ``default`` else."""
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else 0
        return max(floor, value) if value > 0 else default
    except ValueError:
        return default


class ObjectChangedError(NotReadyError):
    """The object's HEAD shows another version than the listing did (exit 3, as not ready)."""


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
    wanted: set[str] = field(default_factory=set)  # where every selected object lands

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
        self._folders = safefs.Folders(dest, strict_from=dest)  # closed at the end of run()
        self.part_size = _env_size("DEVKIT_SYNC_PART_SIZE", 0, 1)  # 0: per object
        self.ranged_threshold = _env_size("DEVKIT_SYNC_RANGED_THRESHOLD", RANGED_THRESHOLD, 1)
        self._resumable: dict[str, tuple[dict[str, Any], str, dict[int, int | None]]] = {}
        self._jobs: list[RangedJob] = []
        self._jobs_lock = threading.Lock()
        self._progress_lock = threading.Lock()
        self._done_bytes = self._done_objects = self._fetch_count = self._total = 0
        self._last_log = self._last_progress = 0.0
        self._result: SyncResult | None = None

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
        wanted = plan.wanted
        folders: set[str] = set()  # checked once per pass, not once per key
        for obj in chosen:
            rel = check_relpath(relative_key(obj.key, self.prefix) or "", obj.key)
            found = check_no_symlink(self.dest, rel, obj.key, folders)  # one lstat per key
            wanted.add(rel)
            entry = self.manifest.files.get(rel)
            if entry is not None and remote_matches(entry, obj):
                ok = (
                    self.manifest.verify_content(rel)
                    if self.verify
                    else self.manifest.state_of(rel, found) == "ok"
                )
                if ok:
                    plan.current += 1
                    continue
                plan.fetch.append((obj, rel))
            elif entry is None and found is not None:
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
        self._find_resumable(plan)
        self._remove_stale_parts()
        result = self._result = SyncResult(plan)
        for obj, rel in plan.adopt:
            if self._adopt(obj, rel):
                plan.current += 1
            else:
                plan.foreign.append(rel)
                self.log(f"left alone: {rel} exists and devkit did not write it")
        self._total = plan.fetch_bytes
        self._fetch_count = len(plan.fetch)
        self._last_log = self._last_progress = time.monotonic()
        self.progress(0, self._total)

        def one(obj: RemoteObject, rel: str) -> None:
            if self.cancel.is_set():
                return
            size = self._fetch(obj, rel)
            self._advance(size, 1)

        # Worker threads only when this run fetches: a no-op sync is mostly start-up time.
        pool = Workers(self.concurrency, "devkit-sync") if plan.fetch else None

        def ranged(obj: RemoteObject, rel: str) -> None:
            if not self.cancel.is_set():
                assert pool is not None
                self._start_ranged(obj, rel, pool.submit)

        try:
            if pool is not None:
                # Large objects first: their parts then share the workers with the small ones.
                for obj, rel in sorted(plan.fetch, key=lambda item: -item[0].size):
                    if obj.size > self.ranged_threshold:
                        pool.submit(ranged, obj, rel)
                    else:
                        pool.submit(one, obj, rel)
                pool.wait()
            for rel in plan.delete:
                # The manifest may come from the clone: check the entry again right before.
                check_manifest_entry(rel, self.manifest.path)
                check_no_symlink(self.dest, rel, rel)
                safefs.unlink(self.dest / rel, root=self.dest, strict_from=self.dest)
                self.manifest.forget(rel)
                result.deleted += 1
        except BaseException:
            # Ctrl-C or a failed download: stop the other workers mid-stream (their partial
            # files are removed; finished parts of large objects are kept for a resume);
            # everything verified so far stays recorded.
            self.cancel.set()
            if pool is not None:
                pool.cancel()
            raise
        finally:
            if pool is not None:
                pool.close()
            self._folders.close()
            for job in self._jobs:
                if job.stale:
                    self._abandon(job)  # the object changed upstream: nothing to resume
                    continue
                if job.partial is not None:
                    job.partial.close()  # unless committed: kept, with its sidecar, for a rerun
                self._close_sidecar(job, remove=False)
            self.manifest.compact()
        result.requests = dict(self.s3.counts)
        result.digest = self.manifest.digest()
        return result

    def _remove_stale_parts(self) -> None:
        """Temp files of an interrupted run, except those this run resumes."""
        keep = {tmp for _, tmp, _ in self._resumable.values()}
        keep |= {tmp + SIDECAR_SUFFIX for tmp in keep}
        if self.dest.is_dir() and not self.dest.is_symlink():
            for folder, _dirs, names in os.walk(self.dest):  # never descends into symlinks
                for name in names:
                    part = Path(folder) / name
                    if name in keep:
                        continue
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
        found = checksums.file_checksum(path, "md5")  # one pass: the ETag is the record
        if found != "md5:" + obj.etag.strip('"').lower():
            return False
        self.manifest.record(
            rel,
            {
                "key": obj.key,
                "size": obj.size,
                "etag": obj.etag,
                "last_modified": obj.last_modified,
                "checksum": found,
                "verified": "md5",
                "mtime_ns": path.stat().st_mtime_ns,
            },
        )
        return True

    # -- one object, one GET ------------------------------------------------------------------

    def _pull(
        self,
        obj: RemoteObject,
        first: int,
        last: int,
        sink: Callable[[bytes | memoryview, int], None],
        response: tuple[Any, dict[str, Any]] | None = None,
    ) -> None:
        """Stream bytes ``first``..``last`` (inclusive) of ``obj`` into ``sink(chunk, offset)``;
        ``chunk`` is only valid during the call (its buffer is reused).

        A stream that breaks (connection reset, truncated body, timeout) is asked for again
        from the byte where it broke, up to ``STREAM_RETRIES`` times, with If-Match on the ETag
        so every byte comes from one version of the object."""
        pos = first
        attempt = 0
        # One buffer per stream, no bigger than the stream: no allocation per read.
        buffer = memoryview(bytearray(max(1, min(CHUNK, last - first + 1))))
        while True:
            if response is None:
                response = self.s3.get(self.bucket, obj.key, pos, last, obj.etag or None)
                _check_range(response[1], pos, obj)
            body = response[0]
            readinto = getattr(body, "readinto", None)  # the fast lane's body has it
            try:
                while pos <= last:
                    want = min(len(buffer), last - pos + 1)
                    if readinto is not None:
                        chunk: bytes | memoryview = buffer[: readinto(buffer[:want])]
                    else:
                        chunk = body.read(want)
                    if not chunk:
                        break
                    if self.cancel.is_set():
                        raise CancelledError("sync cancelled", "run the command again to finish")
                    sink(chunk, pos)
                    pos += len(chunk)
                if pos > last or last < first:
                    return
                # The body ended early without an error: a truncated stream, asked for again.
                problem = f"the stream ended at byte {pos} of {last + 1}"
            except self.s3.read_errors() as exc:
                problem = str(exc)
            finally:
                body.close()
            attempt += 1
            if attempt > STREAM_RETRIES:
                raise NotReadyError(
                    f"reading s3://{self.bucket}/{obj.key} failed (connection): {problem}",
                    "run the command again; verified files and finished parts are kept",
                )
            with self._progress_lock:  # workers log one line at a time
                self.log(f"s3://{self.bucket}/{obj.key}: stream broke at byte {pos} "
                         f"({problem}); asking again from there "
                         f"({attempt}/{STREAM_RETRIES})")  # fmt: skip
            time.sleep(min(2.0, 0.1 * 2**attempt))
            response = None

    def _fetch(self, obj: RemoteObject, rel: str) -> int:
        if obj.size > self.ranged_threshold:
            raise AssertionError("ranged objects go through _start_ranged")  # pragma: no cover
        target = self.dest / rel
        body, meta = self.s3.get(self.bucket, obj.key)
        expected = int(meta.get("ContentLength", obj.size))
        etag = str(meta.get("ETag", obj.etag))
        sdk = meta.get("SdkValidated")  # set only if botocore was asked to verify (it is not)
        chosen = None if sdk else checksums.choose(meta, etag, _encrypted(meta))
        hasher: checksums.CrcHasher | checksums.DigestHasher | None = None
        if not sdk:
            hasher = checksums.new(chosen[0]) if chosen else checksums.DigestHasher("sha256")
        size = 0
        try:
            # The folder is walked once per run (never through a symlink); a target that is a
            # symlink is refused right before the rename.
            with self._folders.writer(target, prefix=PART_PREFIX, buffered=False) as handle:

                def sink(chunk: bytes | memoryview, offset: int) -> None:
                    nonlocal size
                    handle.write(chunk)
                    if hasher is not None:
                        hasher.update(chunk)
                    size += len(chunk)

                self._pull(obj, 0, expected - 1, sink, (body, meta))
                handle.flush()
                if size != expected or size != obj.size:
                    raise self._bad(
                        obj, f"got {size} bytes, expected {expected} (listed {obj.size})"
                    )
                entry = self._checked(obj, chosen, hasher, meta)
                mtime_ns = os.fstat(handle.fileno()).st_mtime_ns  # a rename keeps the mtime
        except OSError as exc:
            raise self._write_failed(target, exc) from None
        self.manifest.record(
            rel,
            {
                "key": obj.key,
                "size": size,
                "etag": obj.etag,
                "last_modified": obj.last_modified,
                **entry,
                "mtime_ns": mtime_ns,
            },
        )
        return size

    def _write_failed(self, target: Path, exc: OSError) -> DevkitError:
        if exc.errno == errno.ENOSPC:
            return NotReadyError(
                f"disk full while writing {target}",
                "free some space (or lower data.sample.max_bytes) and sync again",
            )
        return NotReadyError(
            f"cannot write {target}: {exc.strerror or exc}", "check the folder and sync again"
        )

    def _bad(self, obj: RemoteObject, what: str) -> DevkitError:
        return NotReadyError(
            f"s3://{self.bucket}/{obj.key}: {what}; the download was discarded",
            "run the command again; if it persists the object changed or is corrupt upstream",
        )

    def _checked(
        self,
        obj: RemoteObject,
        chosen: tuple[str, str] | None,
        hasher: checksums.CrcHasher | checksums.DigestHasher | None,
        meta: dict[str, Any],
        value: str | None = None,
    ) -> dict[str, Any]:
        """Compare the one hash devkit computed with what the server says; the manifest fields
        (``checksum``, ``verified``, ``sha256`` when known)."""
        sdk = meta.get("SdkValidated")
        if sdk:  # botocore compared it when the stream ended, or raised
            field_ = checksums.HEADER_FIELDS.get(str(sdk), "")
            found = str(meta.get(field_, ""))
            entry: dict[str, Any] = {"verified": str(sdk)}
            if found:
                entry["checksum"] = f"{sdk}:{found}"
            if sdk == "sha256" and found:
                entry["sha256"] = base64.b64decode(found).hex()
            return entry
        got = value if value is not None else (hasher.value() if hasher is not None else "")
        if chosen is None:
            # Nothing the server can confirm (multipart ETag, no additional checksum): size only;
            # devkit's own SHA-256 is what later local checks compare with.
            sha_hex = base64.b64decode(got).hex()
            return {"verified": "size", "checksum": f"sha256:{got}", "sha256": sha_hex}
        algorithm, expected = chosen
        if got != expected:
            if algorithm == "md5":
                raise self._bad(obj, "MD5 does not match the ETag")
            raise self._bad(obj, f"{_LABELS.get(algorithm, algorithm)} checksum mismatch")
        entry = {"verified": algorithm, "checksum": f"{algorithm}:{expected}"}
        if algorithm == "sha256":
            entry["sha256"] = base64.b64decode(expected).hex()
        return entry

    # -- one large object, ranged parts --------------------------------------------------------

    def _start_ranged(self, obj: RemoteObject, rel: str, submit: Callable[..., Any]) -> None:
        """A preallocated temp file (or the one an interrupted run left, with its finished
        parts), one task per missing part, and a HEAD for the whole object's checksum (S3 sends
        none with a ranged GET).

        When the listing names a CRC the parts can compute for a single-part object, the
        parts start at once and the HEAD runs beside them: every part already carries the
        listed ETag in If-Match, and each part waits for its first byte, not for the HEAD's
        answer as well. A resume, or an object without such a CRC, asks first: the answer
        decides which parts on disk are kept and what the parts hash."""
        check_no_symlink(self.dest, rel, obj.key)
        target = self.dest / rel
        old = self._resumable.pop(rel, None)
        listed = obj.checksum_algorithm.lower()
        # A multipart upload's CRC may be a checksum of its parts' checksums (COMPOSITE), which
        # the parts cannot confirm; a single-part object's is of its bytes.
        early = (
            old is None
            and not obj.multipart
            and listed in checksums.CRCS
            and checksums.supported(listed)
        )
        chosen: tuple[str, str] | None = None
        if early:
            algorithm = listed
        else:
            meta = self._head(obj)
            chosen = checksums.choose(meta, obj.etag, _encrypted(meta))
            algorithm = chosen[0] if chosen else "sha256"
        part_size = self.part_size or part_size_for(obj.size, self.concurrency)
        kept = parts.kept_part_size(old[0]) if old is not None else None
        if not self.part_size and kept:
            part_size = kept  # a resume keeps the parts the interrupted run chose
        job = RangedJob(obj, rel, chosen, algorithm, part_size, headed=not early)
        header = job.header()
        partial = None
        try:
            if old is not None and old[0] == header and chosen is not None:
                partial = safefs.reopen_partial(
                    target, old[1], obj.size, root=self.dest, strict_from=self.dest
                )
                if partial is not None:
                    job.done = {i: crc for i, crc in old[2].items() if 0 <= i < job.count}
                    with self._progress_lock:
                        self.log(f"resuming {rel}: {len(job.done)} of {job.count} parts on disk")
            if partial is None:
                if old is not None:
                    self._drop(target, old[1])
                partial = safefs.create_partial(
                    target, obj.size, root=self.dest, strict_from=self.dest, prefix=PART_PREFIX
                )
                job.done = {}
            job.partial = partial
            job.sidecar = safefs.open_append(
                partial.path.with_name(partial.name + SIDECAR_SUFFIX),
                root=self.dest,
                strict_from=self.dest,
                mode=0o600,
            )
            if not job.done:
                os.write(job.sidecar, parts.header_line(job, partial.name))
        except OSError as exc:
            raise self._write_failed(target, exc) from None
        with self._jobs_lock:
            self._jobs.append(job)
        resumed = sum(job.part_size_of(i) for i in job.done)
        if resumed:
            self._advance(resumed, 0, fetched=False)
        missing = [i for i in range(job.count) if i not in job.done]
        if not missing:
            self._part_done(job, None, None)
        for index in missing:
            submit(self._fetch_part, job, index)
        if early:
            try:
                meta = self._head(obj)
            except ObjectChangedError:
                job.stale = True  # another version: removed once its parts have stopped (run)
                raise
            chosen = checksums.choose(meta, obj.etag, _encrypted(meta))
            with job.lock:
                job.chosen, job.headed = chosen, True
            self._part_done(job, None, None)  # the object is finished here when its parts are in

    def _head(self, obj: RemoteObject) -> dict[str, Any]:
        """HeadObject: the whole object's checksum; ObjectChangedError when the object is no
        longer the one listed."""
        meta = self.s3.head(self.bucket, obj.key)
        if int(meta.get("ContentLength", obj.size)) != obj.size or (
            obj.etag and str(meta.get("ETag", obj.etag)) != obj.etag
        ):
            raise ObjectChangedError(
                f"s3://{self.bucket}/{obj.key} changed since it was listed",
                "run the command again to fetch the new version",
            )
        return meta

    def _fetch_part(self, job: RangedJob, index: int) -> None:
        if self.cancel.is_set():
            return
        first = index * job.part_size
        last = min(job.obj.size, first + job.part_size) - 1
        crc = checksums.new(job.algorithm) if job.algorithm in checksums.CRCS else None
        assert job.partial is not None
        partial = job.partial
        received = 0

        def sink(chunk: bytes | memoryview, offset: int) -> None:
            nonlocal received
            partial.pwrite(chunk, offset)
            if crc is not None:
                crc.update(chunk)
            received += len(chunk)
            self._advance(len(chunk), 0)

        try:
            self._pull(job.obj, first, last, sink)
        except OSError as exc:
            raise self._write_failed(self.dest / job.rel, exc) from None
        if received != last - first + 1:
            raise self._bad(
                job.obj, f"part {index + 1} has {received} bytes, not {last - first + 1}"
            )
        value = crc.crc if isinstance(crc, checksums.CrcHasher) else None
        self._part_done(job, index, value)

    def _part_done(self, job: RangedJob, index: int | None, crc: int | None) -> None:
        """Record a finished part (sidecar line: a rerun skips it), hash what is now contiguous
        when the checksum cannot be combined, and finish the object after its last part."""
        if index is not None:
            assert job.sidecar is not None
            os.write(job.sidecar, parts.part_line(index, crc))
        with job.lock:
            if index is not None:
                job.done[index] = crc
            if job.hashing:
                return  # the thread that hashes sees this part too, and decides on the end
            job.hashing = True
        taken: int | None = None
        while True:
            with job.lock:
                if taken is not None:
                    job.next_hashed = taken + 1
                if job.ordered is None or job.next_hashed not in job.done:
                    # Checked and let go under one lock: a part that lands after this finds
                    # nobody hashing and takes over; one that landed before is seen here.
                    job.hashing = False
                    ready = (
                        job.headed
                        and len(job.done) == job.count
                        and (job.ordered is None or job.next_hashed == job.count)
                        and not job.finished
                    )
                    if ready:
                        job.finished = True
                    break
                taken = job.next_hashed
            assert job.partial is not None and job.ordered is not None
            offset = taken * job.part_size
            end = offset + job.part_size_of(taken)
            while offset < end:
                chunk = job.partial.pread(min(CHUNK, end - offset), offset)
                if not chunk:
                    raise self._bad(job.obj, "the partial file is shorter than written")
                job.ordered.update(chunk)
                offset += len(chunk)
        if ready:
            self._finish_ranged(job)

    def _finish_ranged(self, job: RangedJob) -> None:
        assert job.partial is not None
        obj, target = job.obj, self.dest / job.rel
        try:
            value = job.value()
            try:
                entry = self._checked(obj, job.chosen, None, {}, value)
            except DevkitError:
                self._abandon(job)  # corrupt: nothing of it is kept for a resume
                raise
            job.partial.commit()
        except OSError as exc:
            raise self._write_failed(target, exc) from None
        self._close_sidecar(job, remove=True)
        self.manifest.record(
            job.rel,
            {
                "key": obj.key,
                "size": obj.size,
                "etag": obj.etag,
                "last_modified": obj.last_modified,
                **entry,
                "parts": job.count,
                "mtime_ns": target.stat().st_mtime_ns,
            },
        )
        self._advance(0, 1)

    def _abandon(self, job: RangedJob) -> None:
        if job.partial is not None:
            job.partial.discard()
        self._close_sidecar(job, remove=True)

    def _close_sidecar(self, job: RangedJob, remove: bool) -> None:
        if job.sidecar is not None:
            os.close(job.sidecar)
            job.sidecar = None
        if remove and job.partial is not None:
            with contextlib.suppress(DevkitError):
                safefs.unlink(
                    job.partial.path.with_name(job.partial.name + SIDECAR_SUFFIX),
                    root=self.dest,
                    strict_from=self.dest,
                )

    def _drop(self, target: Path, tmp: str) -> None:
        for name in (tmp, tmp + SIDECAR_SUFFIX):
            with contextlib.suppress(DevkitError):
                safefs.unlink(target.with_name(name), root=self.dest, strict_from=self.dest)

    def _find_resumable(self, plan: SyncPlan) -> None:
        """Sidecars an interrupted run left for objects this run fetches ranged, unchanged."""
        self._resumable = {}
        wanted = {rel: obj for obj, rel in plan.fetch if obj.size > self.ranged_threshold}
        if not wanted or not self.dest.is_dir() or self.dest.is_symlink():
            return
        for folder, _dirs, names in os.walk(self.dest):
            for name in names:
                if not (name.startswith(PART_PREFIX) and name.endswith(SIDECAR_SUFFIX)):
                    continue
                path = Path(folder) / name
                try:
                    text = safefs.read_bytes(
                        path, 1 << 20, root=self.dest, strict_from=self.dest, missing_ok=True
                    )
                except DevkitError:
                    continue
                found = parts.read_sidecar(text or b"")
                if found is None:
                    continue
                header, tmp, done = found
                rel = str(header.get("rel"))
                obj = wanted.get(rel)
                if obj is None or tmp + SIDECAR_SUFFIX != name:
                    continue
                if (self.dest / rel).parent != path.parent:
                    continue
                self._resumable[rel] = (header, tmp, done)

    def _advance(self, size: int, objects: int, fetched: bool = True) -> None:
        """Progress: bytes as they arrive, objects as they are recorded (``fetched``: counted in
        the result too; parts a resume found on disk are progress, not fetched bytes)."""
        with self._progress_lock:
            self._done_bytes += size
            self._done_objects += objects
            if self._result is not None and fetched:
                self._result.fetched += objects
                self._result.fetched_bytes += size
            now = time.monotonic()
            last = self._done_objects == self._fetch_count and objects
            if now - self._last_progress >= 0.1 or last:
                self._last_progress = now  # at most ten progress events a second
                self.progress(self._done_bytes, self._total)
            if now - self._last_log >= 5:
                self._last_log = now
                self.log(
                    f"{self._done_objects}/{self._fetch_count} objects, {_mb(self._done_bytes)}"
                )


_LABELS = {
    "crc32": "CRC32",
    "crc32c": "CRC32C",
    "crc64nvme": "CRC64NVME",
    "sha256": "SHA-256",
    "sha1": "SHA-1",
}


def _encrypted(meta: dict[str, Any]) -> bool:
    """KMS or customer-key encrypted objects have ETags that are not MD5s."""
    return bool(meta.get("SSECustomerAlgorithm") or meta.get("ServerSideEncryption") == "aws:kms")


def _check_range(meta: dict[str, Any], first: int, obj: RemoteObject) -> None:
    found = str(meta.get("ContentRange") or "")
    if found and not found.startswith(f"bytes {first}-"):
        raise NotReadyError(
            f"s3://{obj.key}: asked for bytes from {first}, got {found}",
            "check the endpoint (a proxy rewriting ranges?) and run the command again",
        )
