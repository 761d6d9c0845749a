"""data_version: the run used the dataset version staging's reference names, and the data has
not changed since the run.

The run record holds the identity of the dataset the run read (``dataset.dataset_identity``:
synthetic seed + schema hash, or the sync manifest's digest, or the files' content digest),
taken when the run started. That is compared with the reference: a different version fails
(at the profile's severity, ``warn`` by default). Data changed on disk after the run — a
re-sync, a regeneration with another seed, an edited file — is a warning naming what changed:
the run no longer says anything about the data there now.
"""

from __future__ import annotations

from typing import Any

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "data_version"
NEEDS_RUN = False
SHOWN = 5


def identity(facts: Any) -> dict[str, Any] | None:
    """The dataset identity in a fingerprint's ``data`` section (older ones: the digest)."""
    if not isinstance(facts, dict) or not facts.get("present"):
        return None
    found = facts.get("identity")
    if isinstance(found, dict) and found.get("version"):
        return found
    digest = facts.get("manifest_digest")
    return {"kind": "files", "version": digest, "files": {}} if digest else None


def what_changed(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Each difference between two identities, in words."""
    changes: list[str] = []
    if before.get("kind") != after.get("kind"):
        changes.append(f"kind {before.get('kind')} → {after.get('kind')}")
    if before.get("seed") != after.get("seed"):
        changes.append(f"synthetic seed {before.get('seed')} → {after.get('seed')}")
    if before.get("schema_hash") != after.get("schema_hash"):
        changes.append("schema (tables, columns or types) changed")
    old, new = before.get("files") or {}, after.get("files") or {}
    for rel in sorted(set(old) | set(new)):
        if rel not in new:
            changes.append(f"{rel} removed")
        elif rel not in old:
            changes.append(f"{rel} added")
        elif old[rel] != new[rel]:
            changes.append(f"{rel} changed ({old[rel]} → {new[rel]})")
    if not changes and before.get("version") != after.get("version"):
        changes.append(f"content {before.get('version')} → {after.get('version')}")
    return changes


def _brief(changes: list[str]) -> str:
    more = f" (+{len(changes) - SHOWN} more)" if len(changes) > SHOWN else ""
    return "; ".join(changes[:SHOWN]) + more


def evaluate(inp: CheckInputs) -> RuleResult:
    if inp.profile.data is None:
        return skipped(ID, "the profile has no dataset")
    expected = identity(inp.reference.get("data"))
    if expected is None:
        return skipped(ID, "the reference names no dataset version")
    dest = inp.profile.data.dest
    now = identity(inp.data)
    ran = identity(inp.run_fp.get("data")) if inp.run is not None else None
    used = ran if ran is not None else now
    which = f"run {inp.run.id}" if inp.run is not None and ran is not None else "the local data"
    if used is None:
        return failed(
            ID, f"no local dataset in {dest}", str(expected["version"]), "no local dataset",
            "fetch it with 'devkit sync-data' (or '--synthetic'), then run again",
        )  # fmt: skip
    if used.get("version") != expected.get("version"):
        changes = what_changed(expected, used)
        return failed(
            ID,
            f"{which} used data in {dest} that is not the version staging names: {_brief(changes)}",
            str(expected["version"]),
            str(used["version"]),
            "fetch staging's version with 'devkit sync-data' (or the profile's synthetic seed), "
            "then run again",
            changes,
        )
    if ran is not None and (now is None or now.get("version") != ran.get("version")):
        changes = what_changed(ran, now) if now is not None else [f"{dest} was removed"]
        result = RuleResult(
            ID,
            "warn",
            f"the data in {dest} changed after {which}: {_brief(changes)}",
            str(ran["version"]),
            str(now["version"]) if now is not None else "no local dataset",
            "run the workload again ('devkit run -- CMD') so the check covers the data there now",
            changes,
        )
        return result
    return passed(
        ID,
        f"{which} used staging's dataset version",
        str(expected["version"]),
        str(used["version"]),
    )
