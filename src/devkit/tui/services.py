"""What the init app asks of the rest of devkit, behind one small protocol — no Textual here.

The screens only render answers and send choices; every question (profiles, is this branch name
valid, what would the data step fetch, the plan itself) goes through an ``InitServices``. The
default implementation, ``WorkspaceServices``, answers from the real workspace with the same
modules the headless ``devkit init`` uses; tests may pass their own with real, small steps.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from devkit.errors import ConfigError
from devkit.views.console import format_amount

if TYPE_CHECKING:
    from devkit.config.model import Profile
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
    if not path.is_file():
        return []
    old = path.read_text(encoding="utf-8", errors="replace")
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


_GIT_REF_BAD = re.compile(r"(\.\.|@\{|[\x00-\x20\x7f~^:?*\[\\])")


def git_ref_problems(name: str) -> list[str]:
    """git's own rules for a branch name (git-check-ref-format), as sentences."""
    problems: list[str] = []
    if not name:
        return ["enter a branch name"]
    if _GIT_REF_BAD.search(name):
        problems.append("git forbids spaces, '..', '@{', and any of ~ ^ : ? * [ \\ in a branch")
    if name.startswith(("-", "/")) or name.endswith(("/", ".", ".lock")) or "//" in name:
        problems.append("git forbids a leading '-' or '/', '//', or a trailing '/', '.', '.lock'")
    if any(part.startswith(".") for part in name.split("/")):
        problems.append("git forbids a path component starting with '.'")
    if name == "@":
        problems.append("git forbids the name '@'")
    return problems


def pattern_problems(name: str, pattern: str) -> list[str]:
    if name and not re.fullmatch(pattern.removeprefix("^").removesuffix("$"), name):
        return [f"does not match the team's pattern {pattern}"]
    return []


class WorkspaceServices:
    """The real answers, from the workspace and the same modules the headless init uses."""

    def __init__(self, workspace: Path, choices: InitChoices | None = None) -> None:
        from devkit.config.profiles import ProfileSet

        self.workspace = workspace
        self.choices = choices or InitChoices()
        self._profiles = ProfileSet(workspace)

    def preflight(self) -> list[Step]:
        from devkit.preflight import preflight_checks

        return list(preflight_checks(self.workspace))

    def profiles(self) -> list[Profile]:
        return list(self._profiles.all())

    def branch_status(self, name: str, profile: Profile) -> BranchStatus:
        try:
            from devkit import git_branch  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            git_branch = None
        if git_branch is not None:
            problems = list(git_branch.validate_branch_name(name, profile.branch.pattern))
            if problems:
                return BranchStatus(problems)
            info = git_branch.branch_info(self.workspace, name, profile.branch)
            return BranchStatus([], getattr(info, "exists", None), str(info))
        problems = git_ref_problems(name) + pattern_problems(name, profile.branch.pattern)
        return BranchStatus(problems, None, f"from {profile.branch.base}" if not problems else "")

    def data_status(self, choice: str, profile: Profile) -> DataStatus:
        size = data_size_text(profile, choice)
        if choice != "sample":
            return DataStatus(choice, True, [], size)
        if profile.data is None or profile.data.source is None:
            return DataStatus(choice, False, [], size, "this profile has no S3 source to sample")
        from devkit.errors import DevkitError
        from devkit.plan import StepContext
        from devkit.preflight import AwsCheck

        try:
            result = AwsCheck("aws", "AWS credentials", self.workspace).run(
                StepContext("aws", lambda _event: None)
            )
        except DevkitError as exc:
            return DataStatus(choice, False, [], size, f"{exc.what} — {exc.hint}")
        lines = [result.summary]
        if result.data.get("status") != "ok":
            return DataStatus(choice, False, lines, size, "dev read-only credentials not verified")
        lines.append("read-only role " + (profile.data.source.role_arn or "(session credentials)"))
        return DataStatus(choice, True, lines, size)

    def build_plan(self, choices: InitChoices) -> Plan:
        try:
            from devkit import init_plan  # type: ignore[attr-defined,unused-ignore]
        except ImportError:
            raise ConfigError(
                "the init plan is not available in this version of devkit",
                "update devkit, or create the branch and container by hand",
            ) from None
        from devkit.workspace import Workspace

        profile = self._profiles.get(choices.profile or "")
        options = init_plan.InitOptions(
            branch=choices.branch,
            data=choices.data,
            force=choices.force,
            base_image=choices.base_image,
        )
        plan: Plan = init_plan.build_init_plan(Workspace(self.workspace), profile, options)
        return plan
