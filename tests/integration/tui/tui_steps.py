"""Small real steps for driving the init app: they write files in a temporary workspace."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from devkit.core.errors import NotReadyError
from devkit.core.plan import Plan, StepContext, StepResult
from devkit.init.preflight import DiskCheck, GitCheck, WorkspaceCheck
from devkit.init.request import InitRequest
from devkit.tui.services import WorkspaceServices


@dataclass
class WriteFileStep:
    """Writes ``text`` to ``root/rel``; done when the file already holds it."""

    root: Path
    rel: str
    text: str
    id: str = "write"
    title: str = "write file"

    def describe(self) -> list[str]:
        verb = "replace" if (self.root / self.rel).exists() else "create"
        return [f"{verb} {self.rel}"]

    def planned_files(self) -> dict[str, str]:
        return {self.rel: self.text}

    def is_done(self) -> bool:
        path = self.root / self.rel
        return path.is_file() and path.read_text() == self.text

    def run(self, ctx: StepContext) -> StepResult:
        path = self.root / self.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        ctx.log(f"writing {self.rel}")
        path.write_text(self.text)
        return StepResult(f"wrote {self.rel}")


@dataclass
class ChunkedCopyStep:
    """Writes ``chunks`` chunks to a part file, reporting progress, then renames it into place.

    Cancelling removes the part file, so nothing half-made stays behind. ``gate`` (when given)
    holds the step after chunk ``hold_at`` until the test sets it (or cancels the plan).
    """

    root: Path
    rel: str
    chunks: int = 20
    chunk: bytes = b"x" * 1024
    delay_s: float = 0.0
    gate: threading.Event | None = None
    hold_at: int = 1
    held: threading.Event = field(default_factory=threading.Event)
    id: str = "copy"
    title: str = "copy dataset"

    def describe(self) -> list[str]:
        return [f"fetch {self.chunks * len(self.chunk)} bytes into {self.rel}"]

    def is_done(self) -> bool:
        return (self.root / self.rel).is_file()

    def run(self, ctx: StepContext) -> StepResult:
        final = self.root / self.rel
        part = final.with_name(final.name + ".part")
        final.parent.mkdir(parents=True, exist_ok=True)
        total = self.chunks * len(self.chunk)
        try:
            with part.open("wb") as fh:
                for i in range(self.chunks):
                    ctx.check_cancelled()
                    fh.write(self.chunk)
                    ctx.progress((i + 1) * len(self.chunk), total, "B")
                    if i + 1 == self.hold_at:
                        self.held.set()
                        if self.gate is not None:
                            while not self.gate.wait(0.01):
                                ctx.check_cancelled()
                    if self.delay_s:
                        time.sleep(self.delay_s)
            part.rename(final)
        finally:
            part.unlink(missing_ok=True)
        return StepResult(f"{total} bytes in {self.rel}")


@dataclass
class NeedsFileStep:
    """Fails with a hint until ``root/needed`` exists — the cause a user fixes before retrying."""

    root: Path
    needed: str
    id: str = "needs"
    title: str = "check prerequisite"
    runs: int = 0

    def describe(self) -> list[str]:
        return [f"read {self.needed}"]

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        self.runs += 1
        if not (self.root / self.needed).exists():
            raise NotReadyError(f"{self.needed} is missing", f"create {self.needed}, then retry")
        return StepResult(f"found {self.needed}")


class StepServices(WorkspaceServices):
    """The real workspace answers (profiles, branch rules, data) with a plan of given steps."""

    def __init__(self, workspace: Path, steps: list[object]):
        super().__init__(workspace)
        self.steps = steps
        self.built: list[InitRequest] = []

    def preflight(self) -> list[object]:  # type: ignore[override]
        return [
            GitCheck("git", "git", self.workspace),
            WorkspaceCheck("workspace", "workspace", self.workspace),
            DiskCheck("disk", "disk space", self.workspace),
        ]

    def build_plan(self, request: InitRequest) -> Plan:
        self.built.append(request)
        return Plan(f"devkit init {request.profile}", self.steps)  # type: ignore[arg-type]


@dataclass
class FixedCheck:
    """A read-only check with a fixed answer, so screenshots do not depend on this machine."""

    id: str
    title: str
    summary: str
    status: str = "ok"

    def describe(self) -> list[str]:
        return []

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        return StepResult(self.summary, {"status": self.status})


class SnapshotServices(StepServices):
    """StepServices with fixed preflight answers (versions and free space vary per machine)."""

    def preflight(self) -> list[object]:  # type: ignore[override]
        return [
            FixedCheck("git", "git", "2.39.5"),
            FixedCheck("workspace", "workspace", "~/ml-monorepo"),
            FixedCheck("profiles", "profiles", "4 valid: api, inference, ingestion, training"),
            FixedCheck("docker", "Docker Engine", "Docker Engine 20.10.24 (API 1.41, linux/amd64)"),
            FixedCheck("disk", "disk space", "75 GiB free"),
            FixedCheck(
                "aws", "AWS credentials", "no AWS credentials — synthetic data instead", "warn"
            ),
        ]


@dataclass
class SlowStopStep:
    """Runs until cancelled, then takes ``stop_s`` seconds to clean up (like a build that
    removes its half-made layers): long enough to see the "Stopping …" state."""

    root: Path
    stop_s: float = 0.6
    id: str = "slow"
    title: str = "slow build"
    started: threading.Event = field(default_factory=threading.Event)
    cleaned: threading.Event = field(default_factory=threading.Event)

    def describe(self) -> list[str]:
        return ["build something slowly"]

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        self.started.set()
        while not ctx.cancel.wait(0.01):
            pass
        time.sleep(self.stop_s)
        self.cleaned.set()
        ctx.check_cancelled()
        return StepResult("never")


@dataclass
class PublishStep:
    """Stands for the container step's port check: ``problems()`` asks the real engine which
    container publishes each port (``container_step.port_problems``, the check init runs)."""

    root: Path
    ports: tuple[int, ...]
    id: str = "container"
    title: str = "Container"

    def describe(self) -> list[str]:
        return [f"publish {', '.join(str(p) for p in self.ports)}"]

    def is_done(self) -> bool:
        return False

    def problems(self) -> list[object]:
        from devkit.container.container_step import port_problems
        from devkit.container.engine import connect

        return list(port_problems(connect(timeout=10), self.ports, self.root))

    def run(self, ctx: StepContext) -> StepResult:
        return StepResult("published")


@dataclass
class SlowBuildStep:
    """Builds a real image whose RUN sleeps ``sleep_s`` with the engine adapter init uses
    (``engine.build_image`` with the plan's cancel flag), tagged ``tag``."""

    root: Path
    base_image: str
    tag: str
    sleep_s: int = 40
    id: str = "image"
    title: str = "Image"
    running: threading.Event = field(default_factory=threading.Event)

    def describe(self) -> list[str]:
        return [f"build {self.tag}"]

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        from devkit.container.engine import build_image, connect
        from support.engine import TEST_LABELS

        context = self.root / ".build"
        context.mkdir(exist_ok=True)
        dockerfile = context / "Dockerfile"
        dockerfile.write_text(
            f"FROM {self.base_image}\nRUN echo building && sleep {self.sleep_s} && echo built\n"
        )

        def log(line: str) -> None:
            ctx.log(line)
            if "building" in line and not line.startswith("Step"):
                self.running.set()

        build_image(
            connect(timeout=30), context, dockerfile, self.tag, {}, dict(TEST_LABELS), None, log,
            cancel=ctx.cancel, nocache=True,
        )  # fmt: skip
        return StepResult(f"built {self.tag}")
