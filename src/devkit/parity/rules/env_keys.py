"""env_keys: every variable the workload *uses* that staging sets is set in the run, and no secret
value sits in a file devkit manages (``.devcontainer/``, ``.devkit/``).

"Uses" is the profile's declared names (``env``, ``secrets``) plus the names the workspace's own
Python reads (``parity/envscan.py``, a static scan). Platform variables staging sets that the
workload never reads (``ECS_*``, ``OTEL_*``, ``DD_*``, …) are listed as information, never a
violation; credentials differ by design and are never compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "env_keys"
NEEDS_RUN = True
MANAGED = (".devcontainer", ".devkit")
MAX_FILE_BYTES = 5 * 1024 * 1024
# Shorter values ("1", "true", "dev") would match everywhere and prove nothing.
MIN_SECRET_LEN = 8


def managed_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for name in MANAGED:
        folder = root / name
        if folder.is_dir():
            found.extend(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return sorted(found)


def secret_leaks(inp: CheckInputs) -> list[str]:
    """'NAME in FILE' for every profile secret whose current value appears in a managed file."""
    secrets: dict[str, bytes] = {}
    for name in inp.profile.secrets:
        value = inp.environ.get(name, "")
        if len(value) >= MIN_SECRET_LEN:
            secrets[name] = value.encode("utf-8", "surrogateescape")
    if not secrets:
        return []
    leaks = []
    for path in managed_files(inp.root):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        for name, secret in secrets.items():
            if secret in data:
                leaks.append(f"the value of {name} is in {path.relative_to(inp.root).as_posix()}")
    return leaks


# Credentials differ between dev and staging by design (an ECS task role, a CI token, the
# developer's broker): reading one is never a parity violation.
CREDENTIAL_NAMES = frozenset(
    {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
        "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    }
)  # fmt: skip
SHOWN = 8


def _names(fp: dict[str, Any]) -> set[str] | None:
    """Every name set in a fingerprint's environment (older fingerprints: the filtered list)."""
    for key in ("env_set", "env_names"):
        value = fp.get(key)
        if isinstance(value, list):
            return {str(n) for n in value}
    return None


def _has(name: str, names: set[str], upper: set[str], case_sensitive: bool) -> bool:
    return name in names or (not case_sensitive and name.upper() in upper)


def _named(name: str, reads: dict[str, list[str]]) -> str:
    places = reads.get(name, [])
    return f"{name} (read at {places[0]})" if places else f"{name} (declared in the profile)"


def evaluate(inp: CheckInputs) -> RuleResult:
    staging = _names(inp.reference)
    if staging is None:
        return skipped(ID, "the reference records no variable names")
    local = _names(inp.run_fp) or set()
    use = inp.env_use
    reads: dict[str, list[str]] = use.get("reads", {})
    insensitive = set(use.get("case_insensitive", []))
    declared = set(use.get("declared", []))
    staging_upper, local_upper = {n.upper() for n in staging}, {n.upper() for n in local}
    used = sorted((declared | set(reads)) - CREDENTIAL_NAMES)
    missing: list[str] = []
    details: list[str] = []
    for name in used:
        ci = name in insensitive and name not in declared
        if _has(name, staging, staging_upper, not ci) and not _has(
            name, local, local_upper, not ci
        ):
            missing.append(name)
            places = reads.get(name, [])
            why = (
                f"read at {', '.join(places)}"
                if places
                else "declared in the profile (env or secrets)"
            )
            details.append(f"{name} is not set locally; staging sets it, {why}")
    used_upper = {n.upper() for n in used} | CREDENTIAL_NAMES
    ignored = sorted(
        n for n in staging - local if n.upper() not in used_upper and not n.startswith("DEVKIT_")
    )
    leaks = secret_leaks(inp)
    scanned = f"{use.get('files', 0)} file(s) scanned"
    info = (
        f"{len(ignored)} name(s) only staging sets, never read by the workload (ignored): "
        + ", ".join(ignored[:SHOWN])
        + (" …" if len(ignored) > SHOWN else "")
        if ignored
        else ""
    )
    if not missing and not leaks:
        message = f"all {len(used)} variable(s) the workload uses are set as in staging ({scanned})"
        result = passed(ID, message, f"{len(used)} used name(s)", f"{len(used)} used name(s)")
        result.details = [info] if info else []
        return result
    details += leaks
    hints = []
    if missing:
        hints.append(
            f"set {', '.join(missing[:5])} (add to the profile's env or secrets) and run again"
        )
    if leaks:
        hints.append("delete those files' secret copies and rotate the secret")
    if info:
        details.append(info)
    return failed(
        ID,
        (
            f"{len(missing)} variable(s) the workload uses are unset locally: "
            + ", ".join(_named(n, reads) for n in missing[:3])
            + (" …" if len(missing) > 3 else "")
            if missing
            else "no variable missing"
        )
        + (f", {len(leaks)} secret leak(s)" if leaks else ""),
        f"{len(used)} used name(s) as staging sets them"
        + ("; no secret values in files" if leaks else ""),
        (f"missing: {', '.join(missing)}" if missing else "all names set")
        + (f"; {len(leaks)} leak(s)" if leaks else ""),
        "; ".join(hints),
        details,
    )
