"""``DataStep``: the plan step that fetches the profile's sample or generates synthetic data.

Modes: ``sample`` (S3 through the credentials guard; errors are errors), ``synthetic``, and
``auto`` — the sample when credentials exist, else synthetic with a one-line note saying so.

The S3 side (credentials, guard, sync, environments) is imported where the sample is used, so
generating synthetic data does not pay its import time (about 30 ms).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from devkit.core.errors import ConfigError, NotReadyError, RefusedError
from devkit.core.plan import StepContext, StepResult
from devkit.core.records import dataclass, field
from devkit.safefs import check_relpath

if TYPE_CHECKING:
    from collections.abc import Callable

    from devkit.config.model import DataSpec, Profile
    from devkit.data.guard import GuardedSession
    from devkit.data.sync import Syncer, SyncResult

Mode = Literal["sample", "synthetic", "auto"]
DEFAULT_CONCURRENCY = 16


@dataclass
class DataStep:
    workspace: Path
    profile: Profile
    mode: Mode = "auto"
    seed: int | None = None
    dest: Path | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    delete: bool = False
    verify: bool = False
    brokered: bool = False  # the chain yields devkit's broker session (inside a container)
    synthetic_when_refused: bool = False  # post-create: a refused sample falls back, saying why
    id: str = "data"
    title: str = "Dataset"
    _has_credentials: bool | None = field(default=None, repr=False)
    # Called (under the plan's lock) after a sample sync, with what ``devkit.data.quick`` needs
    # to answer the same command's next no-op, or None when a no-op would report more.
    memo: Callable[[dict[str, Any] | None], None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.profile.data is None:
            raise ConfigError(
                f"profile '{self.profile.name}' declares no data",
                "add a 'data:' section to the profile",
                None,
            )
        self.title = f"Dataset for {self.profile.name} ({self.mode})"

    @property
    def spec(self) -> DataSpec:
        assert self.profile.data is not None
        return self.profile.data

    @property
    def target(self) -> Path:
        if self.dest is not None:
            return self.dest if self.dest.is_absolute() else self.workspace / self.dest

        # Checked at load (exit 2 with file:line:col) and again right before any write.
        rel = check_relpath(
            self.spec.dest.rstrip("/"),
            f"data.dest of profile '{self.profile.name}'",
            "write data.dest as a folder relative to the workspace, e.g. data/training",
        )
        return self.workspace / rel

    @property
    def synthetic_seed(self) -> int:
        return self.spec.synthetic_seed if self.seed is None else self.seed

    def _uses_sample(self) -> bool:
        """Whether this run would go to S3 (auto: only when credentials exist)."""
        if self.mode == "synthetic" or self.spec.source is None:
            return False
        if self.mode == "sample":
            return True
        if self._has_credentials is None:
            from devkit.data import aws

            self._has_credentials = aws.has_credentials(aws.session(self.spec.source.region))
        return self._has_credentials

    def describe(self) -> list[str]:
        source = self.spec.source
        if self._uses_sample() and source is not None:
            return [
                f"verify AWS credentials are read-only and dev-only for s3://{source.bucket}",
                f"sync s3://{source.bucket}/{source.prefix} → {self.target} (new/changed only)",
            ]
        tables = ", ".join(
            f"{name} ({t.get('rows', 0)} rows)" for name, t in self.spec.tables.items()
        )
        return [
            f"generate synthetic tables {tables} into {self.target} (seed {self.synthetic_seed})"
        ]

    def is_done(self) -> bool:
        if self._uses_sample():
            return False  # only a listing can tell; run() reports "nothing to fetch"
        from devkit.data.synthetic import is_current

        return is_current(self.target, self.spec.tables, self.synthetic_seed)

    def run(self, ctx: StepContext) -> StepResult:
        if self._uses_sample():
            from devkit.data.aws import MissingCredentialsError

            try:
                return self._sample(ctx)
            except MissingCredentialsError:
                if self.mode == "sample":
                    raise
                ctx.log("no AWS credentials found: generating synthetic data instead")
        elif self.mode == "auto" and self.spec.source is not None:
            ctx.log("no AWS credentials found: generating synthetic data instead")
        return self._synthetic(ctx)

    def _synthetic(self, ctx: StepContext) -> StepResult:
        # Only here: a sync from S3 does not load the generator (pyarrow comes later still).
        from devkit.data.synthetic import is_current, write_synthetic

        tables = self.spec.tables
        if not tables:
            raise ConfigError(
                f"profile '{self.profile.name}' declares no synthetic tables",
                "add data.synthetic.tables to the profile",
            )
        if is_current(self.target, tables, self.synthetic_seed):
            return StepResult("synthetic data already up to date", {"mode": "synthetic"})
        total = len(tables)
        count = 0

        def on_file(rel: str, size: int) -> None:
            nonlocal count
            count += 1
            ctx.progress(count, total, "tables")
            ctx.log(f"wrote {rel} ({size} bytes)")

        ctx.progress(0, total, "tables")
        manifest = write_synthetic(tables, self.synthetic_seed, self.target, on_file)
        rows = sum(int(t.get("rows", 0)) for t in tables.values())
        return StepResult(
            f"generated {total} synthetic tables ({rows} rows, seed {self.synthetic_seed}) "
            f"in {self.target}",
            {"mode": "synthetic", "dest": str(self.target), "digest": manifest.digest()},
        )

    def _sample(self, ctx: StepContext) -> StepResult:
        from devkit.config.environments import load_environments
        from devkit.data.guard import read_only_session
        from devkit.data.sync import Syncer

        source = self.spec.source
        assert source is not None
        try:
            guarded = read_only_session(
                source,
                load_environments(self.workspace),
                "sample",
                max_pool=self.concurrency + 2,
                keep_listing=True,
                brokered=self.brokered,
            )
        except (RefusedError, NotReadyError) as exc:
            if not self.synthetic_when_refused:
                raise
            # Nothing was read yet: the guard refuses before the first byte.
            reason = f"the S3 sample was refused: {exc.what}"
            ctx.log(f"{reason} ({exc.hint}); generating synthetic data instead")
            made = self._synthetic(ctx)
            return StepResult(made.summary, {**made.data, "fallback": reason})
        ctx.log(guarded.summary())
        s3 = guarded.client or guarded.s3(max_pool=self.concurrency + 2)
        syncer = Syncer(
            s3,
            source.bucket,
            source.prefix,
            self.target,
            self.spec.sample,
            concurrency=self.concurrency,
            delete=self.delete,
            verify=self.verify,
            progress=lambda done, total: ctx.progress(done, total, "B"),
            log=ctx.log,
            cancel=ctx.cancel,
        )
        result = syncer.run(syncer.build_plan(guarded.listing))
        ctx.check_cancelled()
        data = {
            "mode": "sample",
            "dest": str(self.target),
            "fetched": result.fetched,
            "bytes": result.fetched_bytes,
            "requests": result.requests,
            "digest": result.digest,
            "account": guarded.account,
            "environment": guarded.environment,
        }
        if self.memo is not None:
            self.memo(self._recordable(guarded, syncer, result, data))
        return StepResult(result.summary(), data)

    def _recordable(
        self, guarded: GuardedSession, syncer: Syncer, result: SyncResult, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        """What a no-op of this sync would report, and what it depends on (for
        ``devkit.data.quick``); None when the next run would report more than a no-op (files
        left alone, manifest entries ignored) or would not answer from the guard's cache through
        the fast lane."""
        from devkit.data.quick import listing_digest
        from devkit.data.sync import SyncPlan, SyncResult

        plan = result.plan
        if guarded.cached_line is None or guarded.listing is None or self.verify:
            return None
        if plan.foreign or syncer.manifest.rejected:
            return None
        files: dict[str, list[int]] = {}
        for rel in plan.wanted:
            entry = syncer.manifest.files.get(rel)
            if entry is None or not isinstance(entry.get("mtime_ns"), int):
                return None
            files[rel] = [entry["size"], entry["mtime_ns"]]
        noop = SyncResult(
            SyncPlan(selected=plan.selected, listed=plan.listed, current=plan.selected)
        )
        return {
            "dest": str(self.target),
            "files": files,
            "outcome": {
                "guard": {"entry": guarded.cache_entry, "expires": guarded.cache_expires},
                "prefix": guarded.prefix,
                "listing": listing_digest(
                    (o.key, o.size, o.etag, o.last_modified, o.checksum_algorithm)
                    for o in guarded.listing
                ),
                "report": {
                    "step": self.id,
                    "step_title": self.title,
                    "guard_line": guarded.cached_line,
                    "summary": noop.summary(),
                },
                "data": {**data, "fetched": 0, "bytes": 0},
            },
        }
