"""python: the run used the same Python major.minor as staging."""

from __future__ import annotations

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "python"
NEEDS_RUN = True


def major_minor(version: object) -> str | None:
    if not isinstance(version, str):
        return None
    parts = version.split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else None


def evaluate(inp: CheckInputs) -> RuleResult:
    expected = major_minor(inp.reference.get("python", {}).get("version"))
    actual = major_minor(inp.run_fp.get("python", {}).get("version"))
    if expected is None:
        return skipped(ID, "the reference records no Python version")
    if actual == expected:
        return passed(ID, f"Python {actual}", expected, actual or "")
    return failed(
        ID,
        f"the run used Python {actual}, staging runs {expected}",
        expected,
        actual or "unknown",
        f"set image.python to \"{expected}\" in the profile, rebuild ('devkit init') and run again",
    )
