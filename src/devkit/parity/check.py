"""``devkit check`` as a library call: reference + latest run + workspace → Report."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from devkit.config.environments import load_environments
from devkit.core.errors import NotReadyError, RefusedError
from devkit.git.state import tracked_under
from devkit.parity.evaluate import Report, evaluate_rules, needs_run, selected_rules
from devkit.parity.records import RunRecord, latest_record
from devkit.parity.reference import load_reference, reference_address
from devkit.parity.rules.base import CheckInputs
from devkit.state import RUNS_DIR, WorkspaceState

if TYPE_CHECKING:
    from devkit.config.environments import EnvironmentMap
    from devkit.config.model import Profile
    from devkit.workspace import Workspace


def run_check(
    ws: Workspace,
    profile: Profile,
    reference: str | None = None,
    only: Sequence[str] | None = None,
    refresh: bool = False,
    environ: Mapping[str, str] | None = None,
) -> Report:
    started = time.perf_counter()
    ws.ensure_state()
    refuse_committed_state(ws)
    cache_dir = ws.state / "cache"

    def envs_loader() -> EnvironmentMap:
        return load_environments(ws.root)

    rule_ids = selected_rules(profile.parity_rules, only)
    severities = {r.id: r.severity for r in profile.parity_rules}
    runs_dir = WorkspaceState(ws).runs_dir
    run: RunRecord | None
    if needs_run(rule_ids, severities):
        run = latest_record(runs_dir, profile.name)
    else:
        try:
            run = latest_record(runs_dir, profile.name)
        except NotReadyError:
            run = None
    address = reference_address(reference, profile)
    ref = load_reference(address, profile, ws.root, envs_loader, cache_dir, refresh)
    inputs = CheckInputs(
        profile=profile,
        reference=ref.data,
        run=run,
        root=ws.root,
        envs_loader=envs_loader,
        cache_dir=cache_dir,
        environ=dict(os.environ if environ is None else environ),
    )
    results = evaluate_rules(inputs, profile.parity_rules, rule_ids)
    return Report(
        profile=profile.name,
        reference=ref.summary(),
        run=run.summary() if run else None,
        results=results,
        seconds=time.perf_counter() - started,
    )


def refuse_committed_state(ws: Workspace) -> None:
    """Refuse to judge parity from run records or cached references the repository commits.

    ``.devkit/runs`` and ``.devkit/cache`` are this machine's own results; a clone that tracks
    them could hand ``check`` forged runs or a forged staging reference and make it pass.
    """
    if not ws.is_git():
        return
    tracked = tracked_under(ws.root, f".devkit/{RUNS_DIR}", ".devkit/cache")
    if tracked:
        shown = ", ".join(tracked[:3]) + (
            f" and {len(tracked) - 3} more" if len(tracked) > 3 else ""
        )
        raise RefusedError(
            f"the repository commits devkit's local results ({shown}): "
            "check would judge parity on records nobody ran here",
            "remove them from git (git rm -r --cached .devkit/runs .devkit/cache), "
            "then run 'devkit run' again",
        )
