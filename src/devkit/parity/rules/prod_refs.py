"""prod_refs: no tracked file and no env value names a prod bucket, account id or ARN."""

from __future__ import annotations

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped
from devkit.parity.scan import candidate_files, prod_pattern, scan_env, scan_files

ID = "prod_refs"
NEEDS_RUN = False


def evaluate(inp: CheckInputs) -> RuleResult:
    pattern = prod_pattern(inp.envs)
    if pattern is None:
        return skipped(ID, f"{inp.envs.source} names no prod bucket or account")
    is_git = (inp.root / ".git").exists()
    candidates = candidate_files(inp.root, inp.envs) if is_git else None
    files = inp.tracked_files if candidates is None else candidates
    findings = scan_files(inp.root, files, pattern)
    findings += scan_env(inp.profile.env, pattern, "profile env")
    findings += scan_env(dict(inp.environ), pattern, "env")
    expected = f"no prod bucket, account or ARN from {inp.envs.source}"
    if not findings:
        return passed(ID, "tracked files and the environment are clean", expected)
    first = findings[0]
    return failed(
        ID,
        f"{len(findings)} reference(s) to prod",
        expected,
        f"{first.where}: {first.match}"
        + (f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""),
        "use the dev or staging name (or a setting read at run time) instead of the prod one",
        [f"{f.where}: {f.match}" for f in findings],
    )
