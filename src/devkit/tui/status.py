"""What the dashboard shows: ``devkit status``'s own report, plus the last run — no Textual.

The report comes from ``devkit.container.status.gather``, the function behind ``devkit status``,
so the two agree on everything they both show (the branch, the container and its image, the
data's file count, the last check from any source). The last run is read by the run records'
own module. A part that cannot be read shows as unknown with the reason; it never stops the
others.
"""

from __future__ import annotations

import calendar
import os
import time
from pathlib import Path
from typing import Any, Protocol

from devkit.config.model import Profile
from devkit.container.status import gather, status_profile
from devkit.core.errors import DevkitError
from devkit.core.records import dataclass, field
from devkit.parity.records import latest_record
from devkit.state import InitRecord, WorkspaceState


@dataclass(frozen=True)
class WorkspaceStatus:
    report: dict[str, Any]  # ``devkit status --json``'s document
    last_run: dict[str, Any] | None = None  # the newest run record's summary
    notes: tuple[str, ...] = ()
    last_init: InitRecord = field(default_factory=InitRecord)

    def part(self, name: str) -> dict[str, Any]:
        value = self.report.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def branch(self) -> str | None:
        """The checked-out branch; None when detached or unknown."""
        name = self.part("branch").get("name")
        return str(name) if name else None

    @property
    def container_state(self) -> str:
        return str(self.part("container").get("state") or "unknown")

    @property
    def container_id(self) -> str | None:
        found = self.part("container").get("id")
        return str(found) if found else None


class StatusSource(Protocol):
    def snapshot(self) -> WorkspaceStatus: ...


def docker_time(text: str) -> float | None:
    """The report's image ``created`` (UTC, to the second) as epoch seconds."""
    try:
        return float(calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return None


def age_text(then: float | None, now: float) -> str:
    if then is None:
        return "never"
    seconds = max(0, int(now - then))
    for unit, span in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= span:
            return f"{seconds // span}{unit} ago"
    return f"{seconds}s ago"


def last_run(state: WorkspaceState) -> dict[str, Any] | None:
    """The newest run's summary with ``started_epoch``; None when there is none (or the newest
    record is corrupt: ``devkit check`` says what is wrong with it)."""
    try:
        record = latest_record(state.runs_dir)
    except DevkitError:
        return None
    return record.summary() | {"started_epoch": record.started_epoch}


class WorkspaceStatusSource:
    """The real sources: ``devkit status``'s report of the workspace and the run records."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state = WorkspaceState(root)

    def snapshot(self) -> WorkspaceStatus:
        notes: list[str] = []
        profile: Profile | None = None
        try:
            profile = status_profile(self.root, None, os.environ)
        except DevkitError as exc:  # a broken profile must not blank the dashboard
            notes.append(f"profile: {exc.what}")
        report = gather(self.root, profile)
        if profile is None:
            report["profile"] = self.state.profile()
        return WorkspaceStatus(report, last_run(self.state), tuple(notes), self.state.last_init())
