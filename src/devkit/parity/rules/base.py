"""What a rule gets (``CheckInputs``) and gives back (``RuleResult``).

Environment facts (Python, image, installed distributions, env names) come from the latest run
record: that is what the code ran in. Workspace facts (lockfile, dataset, git, tracked files) are
read now, so a change made after the run is not hidden by an old record.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from devkit.core.records import dataclass, field
from devkit.git.state import tracked_files as git_tracked_files
from devkit.parity.dataset import dataset_facts
from devkit.parity.envscan import workload_env_use
from devkit.parity.fingerprint import git_facts
from devkit.parity.lockfile import read_lockfile

if TYPE_CHECKING:
    from devkit.config.environments import EnvironmentMap
    from devkit.config.model import Profile
    from devkit.parity.records import RunRecord

Status = Literal["pass", "fail", "warn", "skipped"]


@dataclass
class RuleResult:
    id: str
    status: Status
    message: str
    expected: str = ""
    actual: str = ""
    hint: str = ""
    details: list[str] = field(default_factory=list)
    severity: str = "error"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "status": self.status,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "hint": self.hint,
            "details": list(self.details),
        }


def passed(rule: str, message: str, expected: str = "", actual: str = "") -> RuleResult:
    return RuleResult(rule, "pass", message, expected, actual)


def failed(
    rule: str, message: str, expected: str, actual: str, hint: str, details: list[str] | None = None
) -> RuleResult:
    return RuleResult(rule, "fail", message, expected, actual, hint, details or [])


def skipped(rule: str, why: str, hint: str = "") -> RuleResult:
    return RuleResult(rule, "skipped", why, hint=hint)


@dataclass
class CheckInputs:
    profile: Profile
    reference: dict[str, Any]
    run: RunRecord | None
    root: Path
    envs_loader: Any  # () -> EnvironmentMap, loaded only by the rules that need it
    cache_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def run_fp(self) -> dict[str, Any]:
        return self.run.fingerprint if self.run else {}

    @cached_property
    def envs(self) -> EnvironmentMap:
        envs: EnvironmentMap = self.envs_loader()
        return envs

    @cached_property
    def lockfile(self) -> dict[str, Any] | None:
        rel = self.profile.image.lockfile
        return read_lockfile(self.root, rel).to_dict() if rel else None

    @cached_property
    def data(self) -> dict[str, Any] | None:
        spec = self.profile.data
        return dataset_facts(self.root, spec.dest, self.cache_dir) if spec else None

    @cached_property
    def env_use(self) -> dict[str, Any]:
        """The names the workload uses, from the workspace's code now (a change after the run
        counts)."""
        return workload_env_use(self.root, self.profile, self.cache_dir)

    @cached_property
    def git(self) -> dict[str, Any] | None:
        return git_facts(self.root, self.profile.branch.base)

    @cached_property
    def tracked_files(self) -> list[str]:
        return git_tracked_files(self.root) if (self.root / ".git").exists() else []
