"""branch: a feature branch matching the pattern, close to its base, with a clean tree."""

from __future__ import annotations

import re

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "branch"
NEEDS_RUN = False
DEFAULT_MAX_BEHIND = 20


def evaluate(inp: CheckInputs) -> RuleResult:
    git = inp.git
    if git is None:
        return skipped(ID, "the workspace is not a git repository")
    policy = inp.profile.branch
    max_behind = int(inp.options.get(ID, {}).get("max_behind", DEFAULT_MAX_BEHIND))
    expected = f"branch ~ {policy.pattern}, ≤ {max_behind} behind {policy.base}, clean tree"
    problems, hints = [], []
    branch = git.get("branch")
    if branch is None:
        problems.append("HEAD is detached")
        hints.append("check out your feature branch")
    elif not re.search(policy.pattern, branch):
        problems.append(f"branch '{branch}' does not match {policy.pattern}")
        hints.append("rename it ('git branch -m feat/NAME')")
    behind = int(git.get("behind") or 0)
    if git.get("base_ref") is None:
        problems.append(f"base branch '{policy.base}' not found")
        hints.append(f"fetch it ('git fetch origin {policy.base}')")
    elif behind > max_behind:
        problems.append(f"{behind} commits behind {git['base_ref']} (at most {max_behind})")
        hints.append(f"rebase on it ('git pull --rebase origin {policy.base}')")
    if git.get("dirty"):
        problems.append("uncommitted changes to tracked files")
        hints.append("commit or stash them")
    actual = f"{branch or 'detached'}, {behind} behind {git.get('base_ref') or policy.base}, " + (
        "dirty" if git.get("dirty") else "clean"
    )
    if not problems:
        return passed(ID, actual, expected, actual)
    return failed(ID, "; ".join(problems), expected, actual, "; ".join(hints), problems)
