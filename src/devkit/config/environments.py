"""The environments map: which accounts and buckets are dev, staging and prod."""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from pathlib import Path

from devkit.config.profile_spec import ENVIRONMENTS
from devkit.config.profiles import ENVIRONMENTS_FILE, builtin_dir, workspace_dir
from devkit.config.schema import Checker
from devkit.config.yamlmarks import load_located, read_config
from devkit.core.errors import Problem, ProblemsError, Where
from devkit.core.records import dataclass

KNOWN = ("dev", "staging", "prod")


@dataclass(frozen=True)
class Environment:
    name: str
    accounts: tuple[str, ...]
    buckets: tuple[str, ...]
    registries: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnvironmentMap:
    environments: tuple[Environment, ...]
    parity_buckets: tuple[str, ...]
    source: str
    parity_role_arn: str | None = None  # read-only role for parity references (guard: role row)

    def classify_account(self, account: str) -> str:
        """dev, staging, prod or unknown."""
        for env in self.environments:
            if account in env.accounts:
                return env.name
        return "unknown"

    def classify_bucket(self, bucket: str) -> str:
        """The environment whose patterns match; prod wins over any other match."""
        matches = [
            e.name for e in self.environments if any(fnmatchcase(bucket, p) for p in e.buckets)
        ]
        if "prod" in matches:
            return "prod"
        return matches[0] if matches else "unknown"

    def classify_registry(self, repository: str, account: str | None = None) -> str:
        """The environment of an image repository (``HOST/PATH``) by the ``registries``
        patterns and the ``account`` that owns it (an ECR host names one). Prod wins."""
        matches = [
            e.name
            for e in self.environments
            if any(fnmatchcase(repository.lower(), p.lower()) for p in e.registries)
        ]
        if account is not None:
            matches.append(self.classify_account(account))
        if "prod" in matches:
            return "prod"
        known = [m for m in matches if m != "unknown"]
        return known[0] if known else "unknown"

    def get(self, name: str) -> Environment | None:
        return next((e for e in self.environments if e.name == name), None)


def load_environments(workspace: Path | None = None) -> EnvironmentMap:
    """The workspace's environments.yaml if it has one, else the built-in map."""
    candidates = [workspace_dir(workspace), builtin_dir()]
    ws_file = workspace / ".devkit" / ENVIRONMENTS_FILE if workspace else None
    paths = [p for p in [ws_file] if p is not None] + [
        d / ENVIRONMENTS_FILE for d in candidates if d is not None
    ]
    path = next(p for p in paths if os.path.lexists(p))
    inside = workspace if workspace is not None and path.is_relative_to(workspace) else None
    shown = (
        str(path.relative_to(inside))
        if inside is not None
        else (f"<built-in>/{ENVIRONMENTS_FILE}" if path.parent == builtin_dir() else str(path))
    )
    text, problems = read_config(path, shown, inside)
    if text is None:
        raise ProblemsError(problems)
    located, problems = load_located(text, shown)
    if not problems:
        checker = Checker(located)
        ENVIRONMENTS.check(located.data, (), checker)
        ENVIRONMENTS.check_required(located.data, (), checker)
        problems = checker.problems
    if problems:
        raise ProblemsError(problems)
    envs = located.data.get("environments", {})
    missing = [n for n in KNOWN if n not in envs]
    if missing:
        raise ProblemsError(
            [
                Problem(
                    located.where(("environments",)),
                    f"environments map lacks {', '.join(missing)}",
                    "define dev, staging and prod",
                )
            ]
        )
    unknown = [n for n in envs if n not in KNOWN]
    if unknown:
        raise ProblemsError(
            [
                Problem(
                    located.where(("environments", unknown[0]), key=True),
                    f"unknown environment '{unknown[0]}'",
                    "use dev, staging and prod",
                )
            ]
        )
    seen: dict[str, str] = {}
    for name, env in envs.items():
        for account in env.get("accounts", []):
            if account in seen:
                raise ProblemsError(
                    [
                        Problem(
                            Where(shown),
                            f"account {account} is in both {seen[account]} and {name}",
                            "keep it in one",
                        )
                    ]
                )
            seen[account] = name
    return EnvironmentMap(
        environments=tuple(
            Environment(
                n,
                tuple(e.get("accounts", [])),
                tuple(e.get("buckets", [])),
                tuple(e.get("registries", [])),
            )
            for n, e in envs.items()
        ),
        parity_buckets=tuple(located.data.get("parity_buckets", [])),
        source=shown,
        parity_role_arn=located.data.get("parity_role_arn") or None,
    )
