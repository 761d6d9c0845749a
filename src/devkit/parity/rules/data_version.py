"""data_version: the local sample is the dataset version staging's reference names."""

from __future__ import annotations

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "data_version"
NEEDS_RUN = False


def evaluate(inp: CheckInputs) -> RuleResult:
    if inp.profile.data is None:
        return skipped(ID, "the profile has no dataset")
    expected = (inp.reference.get("data") or {}).get("manifest_digest")
    if not expected:
        return skipped(ID, "the reference names no dataset version")
    actual = (inp.data or {}).get("manifest_digest")
    if actual == expected:
        return passed(ID, "the local sample is staging's version", expected, actual)
    return failed(
        ID,
        f"the local sample in {inp.profile.data.dest} is not the version staging names",
        expected,
        actual or "no local dataset",
        "fetch that version with 'devkit sync-data'",
    )
