"""lockfile: same lockfile as staging, and every pin installed at that version in the run."""

from __future__ import annotations

from typing import Any

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "lockfile"
NEEDS_RUN = True
SHOWN = 12
# Installers pip-compile leaves out of lockfiles on purpose; not worth a warning.
TOOLING = frozenset({"pip", "setuptools", "wheel"})


def short(digest: object) -> str:
    return str(digest)[:19] + "…" if isinstance(digest, str) and len(digest) > 20 else str(digest)


def pin_changes(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    lines = []
    for name in sorted(set(expected) | set(actual)):
        want, have = expected.get(name), actual.get(name)
        if want == have:
            continue
        if want is None:
            lines.append(f"{name}=={have} is pinned locally, not by staging")
        elif have is None:
            lines.append(f"{name}=={want} is pinned by staging, not locally")
        else:
            lines.append(f"{name}: staging pins {want}, local lockfile {have}")
    return lines


def evaluate(inp: CheckInputs) -> RuleResult:
    rel = inp.profile.image.lockfile
    if not rel:
        return skipped(ID, "the profile names no lockfile")
    local = inp.lockfile or {}
    ref: dict[str, Any] = inp.reference.get("lockfile") or {}
    if local.get("sha256") is None:
        return failed(ID, f"{rel} does not exist", "a lockfile", "missing", f"restore {rel}")
    if not ref.get("sha256"):
        return skipped(ID, "the reference records no lockfile hash")
    details: list[str] = []
    if ref["sha256"] != local["sha256"]:
        details = pin_changes(ref.get("pins", {}), local.get("pins", {}))
        return failed(
            ID,
            f"{rel} differs from staging's",
            f"{short(ref['sha256'])}",
            f"{short(local['sha256'])}",
            f"make {rel} match the lockfile staging deploys (rebase on the base branch), "
            "or get the change deployed to staging first",
            details or ["same pins; other requirement lines differ"],
        )
    installed: dict[str, str] = inp.run_fp.get("distributions", {})
    for name, version in sorted(local.get("pins", {}).items()):
        have = installed.get(name)
        if have != version:
            details.append(f"{name}: pinned {version}, installed {have or 'nothing'}")
    if details:
        return failed(
            ID,
            f"{len(details)} pinned distribution(s) not installed at the pinned version",
            f"{len(local.get('pins', {}))} pins from {rel} installed",
            f"{len(details)} differ",
            f"reinstall from the lockfile ('pip install -r {rel}') or rebuild ('devkit init'), "
            "then run again",
            details,
        )
    extra = sorted(set(installed) - set(local.get("pins", {})) - TOOLING)
    result = passed(
        ID, f"{rel} matches staging; all {len(local.get('pins', {}))} pins installed",
        short(ref["sha256"]), short(local["sha256"]),
    )  # fmt: skip
    if extra:
        result.status = "warn"
        result.message += f"; {len(extra)} installed distribution(s) the lockfile does not name"
        result.hint = f"add them to {rel} or uninstall them"
        result.details = [f"{n}=={installed[n]}" for n in extra[:SHOWN]]
        if len(extra) > SHOWN:
            result.details.append(f"… and {len(extra) - SHOWN} more")
    return result
