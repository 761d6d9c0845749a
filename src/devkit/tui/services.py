"""What the init app asks of the rest of devkit, behind one small protocol — no Textual here.

The screens only render answers and send choices; every question (profiles, is this branch name
valid, what would the data step fetch, the plan itself) goes through an ``InitServices``. The
default implementation, ``WorkspaceServices``, answers from the real workspace with the same
modules the headless ``devkit init`` uses; tests may pass their own with real, small steps.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from devkit.units import format_amount

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.config.profiles import ProfileSet
    from devkit.plan import Plan, Step

DATA_CHOICES = ("sample", "synthetic", "none")


@dataclass
class InitChoices:
    """The answers the wizard collects; the ones given as flags arrive pre-filled."""

    profile: str | None = None
    branch: str | None = None
    data: str | None = None
    force: bool = False
    base_image: str | None = None
    network: str | None = None
    aws_config: str | None = None
    rebuild: bool = False  # --rebuild: build the image again, replace the container
    vendor: bool | None = None  # --vendor / --no-vendor (None: what the committed files do)
    index_url: str | None = None
    extra_index_url: str | None = None
    target: str | None = None  # container (default) | host: chosen on the preflight screen

    def missing(self) -> list[str]:
        return [name for name in ("profile", "branch", "data") if getattr(self, name) is None]


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

    def build_plan(self, choices: InitChoices) -> Plan: ...

    def record(self, choices: InitChoices) -> None:
        """Remember the choices in the workspace just before the plan runs."""
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
    from devkit import safefs
    from devkit.errors import DevkitError

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

    def __init__(self, workspace: Path, choices: InitChoices | None = None) -> None:
        self.workspace = workspace
        self.choices = choices or InitChoices()
        self._profile_set: ProfileSet | None = None

    @property
    def _profiles(self) -> ProfileSet:
        """Read on first use (in a worker), so the first screen is drawn without waiting."""
        if self._profile_set is None:
            from devkit.config.profiles import ProfileSet

            self._profile_set = ProfileSet(self.workspace)
        return self._profile_set

    def preflight(self) -> list[Step]:
        from devkit.preflight import preflight_checks

        return list(preflight_checks(self.workspace))

    def profiles(self) -> list[Profile]:
        return list(self._profiles.all())

    def branch_status(self, name: str, profile: Profile) -> BranchStatus:
        from devkit.init.branch import branch_info

        info = branch_info(self.workspace, name, profile.branch)
        return branch_status_from_info(info)

    def data_status(self, choice: str, profile: Profile) -> DataStatus:
        size = data_size_text(profile, choice)
        if choice != "sample":
            return DataStatus(choice, True, [], size)
        spec = profile.data
        if spec is None or spec.source is None:
            return DataStatus(choice, False, [], size, "this profile has no S3 source to sample")
        from devkit.config.environments import load_environments
        from devkit.data.guard import read_only_session
        from devkit.data.selection import select
        from devkit.errors import DevkitError

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

    def build_plan(self, choices: InitChoices) -> Plan:
        from devkit.init_plan import InitOptions, build_init_plan
        from devkit.workspace import Workspace

        profile = self._profiles.get(choices.profile or "")
        options = InitOptions(
            branch=choices.branch or "",
            data=choices.data,
            base_image=choices.base_image,
            overwrite=choices.force,
            rebuild=choices.rebuild,
        )
        if choices.network:
            options.network = choices.network
        options.aws_config = choices.aws_config
        options.vendor = choices.vendor
        options.index_url = choices.index_url
        options.extra_index_url = choices.extra_index_url
        if choices.target is None:
            from devkit.host.target import recorded_target

            choices.target = recorded_target(self.workspace)
        options.target = choices.target
        return build_init_plan(Workspace(self.workspace), profile, options)

    def record(self, choices: InitChoices) -> None:
        """What the headless ``devkit init`` records before it runs: the profile and the
        render options that ``status``, ``down`` and the dashboard read back."""
        from devkit.container.state import update_state
        from devkit.workspace import Workspace

        ws = Workspace(self.workspace)
        ws.write_state("profile", text=f"{choices.profile}\n")
        from devkit.host.target import record_target
        from devkit.init_plan import resolve_network

        record_target(ws.root, choices.target or "container")
        host = choices.target == "host"
        network = None if host else resolve_network(choices.network or "auto")
        render = {
            "base_image": choices.base_image,
            "network": network,
            "vendor": choices.vendor,
            "index_url": choices.index_url,
            "extra_index_url": choices.extra_index_url,
        }
        update_state(ws.root, "render", {**render, "data": choices.data})
