"""``devkit check`` as a plan, and the check recorded in the workspace."""

from __future__ import annotations

from collections.abc import Sequence

from devkit.config.model import Profile
from devkit.core.errors import DevkitError, ExitCode
from devkit.core.plan import Plan, StepContext, StepResult
from devkit.parity.check import run_check
from devkit.parity.evaluate import Report
from devkit.parity.reports import render
from devkit.state import WorkspaceState
from devkit.workspace import Workspace


class ParityViolationsError(DevkitError):
    """``devkit check`` found parity violations (exit 1)."""

    code = ExitCode.VIOLATIONS


def check_and_record(
    ws: Workspace,
    profile: Profile,
    reference: str | None = None,
    only: Sequence[str] | None = None,
    refresh: bool = False,
) -> Report:
    """``devkit check``: the report, recorded in the workspace whoever asked (``status`` and the
    dashboard show the last check)."""
    report = run_check(ws, profile, reference, only, refresh)
    WorkspaceState(ws).record_check(render(report, "json"))
    return report


class CheckStep:
    """``devkit check`` as a step, for the dashboard: violations fail it (exit 1)."""

    id = "check"
    title = "Check parity"

    def __init__(self, ws: Workspace, profile: Profile) -> None:
        self.ws = ws
        self.profile = profile

    def describe(self) -> list[str]:
        return [f"compare the last run with staging's reference for {self.profile.name}"]

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        report = check_and_record(self.ws, self.profile)
        for line in render(report, "text").splitlines():
            ctx.log(line)
        counts = report.counts
        tally = ", ".join(f"{counts[k]} {k}" for k in ("pass", "fail", "warn"))
        if not report.ok:
            raise ParityViolationsError(
                f"parity violations ({tally})", "fix what the report names, then check again"
            )
        return StepResult(f"ok ({tally})", {"summary": counts})


def check_plan(ws: Workspace, profile: Profile) -> Plan:
    # Read-only: like the command, it never takes the workspace lock.
    return Plan(f"devkit check ({profile.name})", [CheckStep(ws, profile)])
