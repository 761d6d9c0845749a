"""What the init app asks of the rest of devkit, behind one small protocol — no Textual here.

The screens only render answers and send choices; every question (profiles, is this branch name
valid, what would the data step fetch, the plan itself) goes through an ``InitServices``. The
default implementation, ``WorkspaceServices``, answers from the real workspace with the same
modules the headless ``devkit init`` uses; tests may pass their own with real, small steps.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from devkit import safefs
from devkit.config.environments import load_environments
from devkit.config.model import Profile
from devkit.config.profiles import ProfileSet
from devkit.core.errors import DevkitError
from devkit.core.plan import Plan, Step
from devkit.core.records import dataclass, field
from devkit.core.units import format_amount
from devkit.data.guard import read_only_session
from devkit.data.selection import select
from devkit.init.branch import branch_info
from devkit.init.plan import DATA_MODES, Runtime, plan_init
from devkit.init.preflight import preflight_checks
from devkit.init.request import InitRequest
from devkit.workspace import Workspace

DATA_CHOICES = DATA_MODES


@dataclass(frozen=True)
class BranchStatus:
    problems: list[str]
    exists: bool | None = None
    detail: str = ""


@dataclass(frozen=True)
class DataStatus:
    choice: str
    ok: bool
    credentials: list[str] = field(default_factory=list)
    size: str = ""
    problem: str = ""


@dataclass(frozen=True)
class ReviewItem:
    """One step of the plan as the review screen shows it."""

    step_id: str
    title: str
    changes: list[str]
    done: bool
    diffs: list[str] = field(default_factory=list)


class InitServices(Protocol):
    workspace: Path

    def preflight(self) -> list[Step]: ...

    def profiles(self) -> list[Profile]: ...

    def branch_status(self, name: str, profile: Profile) -> BranchStatus: ...

    def data_status(self, choice: str, profile: Profile) -> DataStatus: ...

    def build_plan(self, request: InitRequest) -> Plan:
        """The init plan for the answers so far (the same ``plan_init`` the command line
        calls; recording the choices is its first step)."""
        ...


def profile_summary(profile: Profile) -> list[tuple[str, str]]:
    """What a profile sets up as (label, value) rows: image, ports, resources, data, secrets."""
    rows = [("image", f"{profile.image.base} · Python {profile.image.python}")]
    if profile.image.system_packages:
        rows.append(("packages", ", ".join(profile.image.system_packages)))
    rows.append(("ports", ", ".join(str(p) for p in profile.ports) or "none"))
    res = profile.resources
    if res.cpus or res.memory:
        rows.append(("limits", f"{res.cpus or '-'} CPUs · {res.memory or '-'} memory"))
    data = data_size_text(profile).split(" · ")
    rows += [("data" if i == 0 else "", part) for i, part in enumerate(data)]
    secrets = ", ".join(profile.secrets)
    rows.append(("secrets", f"{secrets} (asked at run time)" if secrets else "none"))
    rows.append(("branch", f"{profile.branch.pattern} from {profile.branch.base}"))
    return rows


def data_size_text(profile: Profile, choice: str | None = None) -> str:
    spec = profile.data
    if spec is None or choice == "none":
        return "none"
    parts: list[str] = []
    if spec.source and choice in (None, "sample"):
        cap = spec.sample.max_bytes
        where = f"s3://{spec.source.bucket}/{spec.source.prefix}"
        parts.append(f"sample up to {format_amount(cap, 'B')} from {where}" if cap else where)
    if spec.tables and choice in (None, "synthetic"):
        rows = sum(int(t.get("rows", 0)) for t in spec.tables.values())
        parts.append(f"synthetic {rows:,} rows in {len(spec.tables)} tables")
    return " · ".join(parts) or "none"


def diff_text(path: Path, new: str, label: str) -> list[str]:
    """A unified diff of an existing file against what a step would write (empty if new)."""
    try:
        data = safefs.read_bytes(path, 16 << 20, missing_ok=True)
    except DevkitError as exc:
        return [f"(not shown: {exc.what})"]
    except OSError:
        return []
    if data is None:
        return []
    old = data.decode("utf-8", errors="replace")
    if old == new:
        return []
    return list(
        difflib.unified_diff(
            old.splitlines(), new.splitlines(), f"{label} (now)", f"{label} (planned)", lineterm=""
        )
    )


def review_items(plan: Plan, workspace: Path) -> list[ReviewItem]:
    """Every change the plan will make, from ``plan.describe()``, with diffs for existing files.

    A step that writes files may offer ``planned_files() -> {relative path: text}``; for each file
    that already exists in the workspace the review shows a unified diff.
    """
    items: list[ReviewItem] = []
    for step, changes, done in plan.describe():
        diffs: list[str] = []
        planned = getattr(step, "planned_files", None)
        if callable(planned) and not done:
            files: Mapping[str, str] = planned()
            for rel, text in sorted(files.items()):
                diffs.extend(diff_text(workspace / rel, text, rel))
        items.append(ReviewItem(step.id, step.title, list(changes), done, diffs))
    return items


def plan_problems(plan: Plan) -> list[str]:
    """What will make the plan fail, from steps offering ``problems()`` (ports held by another
    container, …): the same checks the steps make when they run headless, asked up front."""
    found: list[str] = []
    for step in plan.steps:
        problems = getattr(step, "problems", None)
        if callable(problems) and not step.is_done():
            for error in problems():
                found.append(f"{error.what} — hint: {error.hint}" if error.hint else error.what)
    return found


def branch_status_from_info(info: Mapping[str, Any]) -> BranchStatus:
    """The branch screen's answer from ``init.branch.branch_info``: problems, or where it comes
    from (exists here, exists on the remote, or new from the base)."""
    problems = list(info.get("problems", []))
    if problems:
        return BranchStatus(problems)
    name, base = info["name"], info["base"]
    if info.get("current") == name:
        return BranchStatus([], True, "you are on it")
    if info.get("exists_locally"):
        return BranchStatus([], True, "devkit switches to it")
    start = info.get("start") or base
    if info.get("exists_remotely"):
        return BranchStatus([], False, f"tracks {start}")
    return BranchStatus([], False, f"from {start}")


class WorkspaceServices:
    """The real answers, from the workspace and the same modules the headless init uses."""

    def __init__(self, workspace: Path, runtime: Runtime | None = None) -> None:
        self.workspace = workspace
        self.runtime = runtime or Runtime()
        self._profile_set: ProfileSet | None = None

    @property
    def _profiles(self) -> ProfileSet:
        """Read on first use (in a worker), so the first screen is drawn without waiting."""
        if self._profile_set is None:
            self._profile_set = ProfileSet(self.workspace)
        return self._profile_set

    def preflight(self) -> list[Step]:
        return list(preflight_checks(self.workspace))

    def profiles(self) -> list[Profile]:
        return list(self._profiles.all())

    def branch_status(self, name: str, profile: Profile) -> BranchStatus:
        info = branch_info(self.workspace, name, profile.branch)
        return branch_status_from_info(info)

    def data_status(self, choice: str, profile: Profile) -> DataStatus:
        size = data_size_text(profile, choice)
        if choice != "sample":
            return DataStatus(choice, True, [], size)
        spec = profile.data
        if spec is None or spec.source is None:
            return DataStatus(choice, False, [], size, "this profile has no S3 source to sample")
        source = spec.source
        try:
            guarded = read_only_session(source, load_environments(self.workspace))
            objects = guarded.s3(max_pool=2).list(source.bucket, source.prefix)
        except DevkitError as exc:
            problem = f"{exc.what} — {exc.hint}" if exc.hint else exc.what
            return DataStatus(choice, False, [], size, problem)
        chosen = select(objects, spec.sample, source.prefix)
        total = sum(o.size for o in chosen)
        credentials = [
            f"account {guarded.account} ({guarded.environment}) as {guarded.principal}",
            f"role {guarded.role_arn or '(your own credentials)'}",
            "read-only verified: " + "; ".join(guarded.checks),
        ]
        size = (
            f"{len(chosen)} of {len(objects)} objects, {format_amount(total, 'B')} "
            f"from s3://{source.bucket}/{source.prefix}"
        )
        return DataStatus(choice, True, credentials, size)

    def build_plan(self, request: InitRequest) -> Plan:
        return plan_init(Workspace(self.workspace), request, self.runtime, self._profiles)
