"""env_keys: every variable name staging defines is set in the run, and no secret value sits in
a file devkit manages (``.devcontainer/``, ``.devkit/``)."""

from __future__ import annotations

from pathlib import Path

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


def evaluate(inp: CheckInputs) -> RuleResult:
    expected = inp.reference.get("env_names")
    if not isinstance(expected, list):
        return skipped(ID, "the reference records no variable names")
    actual = set(inp.run_fp.get("env_names", []))
    missing = sorted(set(expected) - actual)
    leaks = secret_leaks(inp)
    if not missing and not leaks:
        return passed(ID, f"all {len(expected)} staging variable names set; no secret in files")
    details = [f"{name} is not set" for name in missing] + leaks
    hints = []
    if missing:
        hints.append(
            f"set {', '.join(missing[:5])} (add to the profile's env or secrets) and run again"
        )
    if leaks:
        hints.append("delete those files' secret copies and rotate the secret")
    return failed(
        ID,
        f"{len(missing)} staging variable(s) unset"
        + (f", {len(leaks)} secret leak(s)" if leaks else ""),
        f"{len(expected)} names staging defines" + ("; no secret values in files" if leaks else ""),
        (f"missing: {', '.join(missing)}" if missing else "all names set")
        + (f"; {len(leaks)} leak(s)" if leaks else ""),
        "; ".join(hints),
        details,
    )
