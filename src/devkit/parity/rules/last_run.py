"""last_run: a recorded run exists, exited 0 and is newer than the last commit."""

from __future__ import annotations

from datetime import UTC, datetime

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed

ID = "last_run"
NEEDS_RUN = True
HINT = "run it again with 'devkit run -- CMD'"


def evaluate(inp: CheckInputs) -> RuleResult:
    run = inp.run
    if run is None:
        return failed(ID, "no run recorded", "a recorded run", "none", HINT)
    command = " ".join(run.data["command"])
    if run.exit_code != 0:
        return failed(
            ID,
            f"the last run ('{command}') exited {run.exit_code}",
            "exit 0",
            f"exit {run.exit_code}",
            "fix what failed, then " + HINT,
        )
    commit_time = (inp.git or {}).get("commit_time")
    if isinstance(commit_time, int) and run.started_epoch < commit_time:
        committed = datetime.fromtimestamp(commit_time, UTC).isoformat(timespec="seconds")
        return failed(
            ID,
            "the last run is older than the last commit",
            f"a run after {committed}",
            f"run at {run.data['started']}",
            "the code changed since it ran; " + HINT,
        )
    return passed(ID, f"'{command}' exited 0 at {run.data['started']}", "exit 0", "exit 0")
