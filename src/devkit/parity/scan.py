"""Find prod bucket names and account ids (hence their ARNs) in tracked files and env values.

``git grep`` first narrows the tracked files to those holding a fixed string every prod name
must contain (fast, in C, binaries skipped); one compiled pattern then finds each reference's
line in those few. Binaries (a NUL in the first 8 KiB) and files over ``MAX_FILE_BYTES`` are
skipped, and so is the environments map itself (which must name prod).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.core.errors import DevkitError
from devkit.core.records import dataclass
from devkit.git.state import files_containing

if TYPE_CHECKING:
    from devkit.config.environments import EnvironmentMap

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FINDINGS = 50
SKIP_FILES = frozenset({".devkit/environments.yaml", ".devkit/environments.yml"})
_BUCKET_CHAR = "[a-z0-9.-]"


@dataclass(frozen=True)
class Finding:
    where: str  # "path:line" or "env NAME"
    match: str


def bucket_regex(pattern: str) -> str:
    """An fnmatch bucket pattern as a regex over bucket-name characters."""
    out = []
    for char in pattern:
        if char == "*":
            out.append(f"{_BUCKET_CHAR}*")
        elif char == "?":
            out.append(_BUCKET_CHAR)
        else:
            out.append(re.escape(char))
    return "".join(out)


def prod_pattern(envs: EnvironmentMap) -> re.Pattern[bytes] | None:
    prod = envs.get("prod")
    if prod is None or (not prod.buckets and not prod.accounts):
        return None
    alternatives = [
        f"(?<![a-z0-9.-])(?:{bucket_regex(p.lower())})(?![a-z0-9-])" for p in prod.buckets
    ]
    alternatives += [rf"(?<!\d){re.escape(a)}(?!\d)" for a in prod.accounts]
    return re.compile("|".join(alternatives).encode(), re.IGNORECASE)


def literals(envs: EnvironmentMap) -> list[str]:
    """A fixed string each prod name contains: the longest literal run of each bucket pattern,
    and each account id."""
    prod = envs.get("prod")
    if prod is None:
        return []
    found = [max(re.split(r"[*?\[\]]", p), key=len) for p in prod.buckets]
    found += list(prod.accounts)
    return [f for f in found if f]


def candidate_files(root: Path, envs: EnvironmentMap) -> list[str] | None:
    """Tracked files holding any of ``literals`` (per ``git grep``); None when every file
    must be read (a pattern without a literal, or git grep unavailable)."""
    fixed = literals(envs)
    prod = envs.get("prod")
    if prod is None or len(fixed) < len(prod.buckets) + len(prod.accounts):
        return None
    try:
        return files_containing(root, fixed)
    except DevkitError:
        return None


def scan_bytes(data: bytes, pattern: re.Pattern[bytes], rel: str) -> list[Finding]:
    findings = []
    line, offset = 1, 0
    for match in pattern.finditer(data):
        line += data.count(b"\n", offset, match.start())
        offset = match.start()
        findings.append(Finding(f"{rel}:{line}", match.group().decode("utf-8", "replace")))
    return findings


def scan_files(root: Path, files: Iterable[str], pattern: re.Pattern[bytes]) -> list[Finding]:
    findings: list[Finding] = []
    for rel in files:
        if rel in SKIP_FILES:
            continue
        path = root / rel
        try:
            if path.is_symlink() or path.stat().st_size > MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue  # deleted but still tracked, or unreadable: nothing to scan
        if b"\0" in data[:8192]:
            continue
        if pattern.search(data):
            findings.extend(scan_bytes(data, pattern, rel))
            if len(findings) >= MAX_FINDINGS:
                break
    return findings[:MAX_FINDINGS]


def scan_env(values: Mapping[str, str], pattern: re.Pattern[bytes], label: str) -> list[Finding]:
    """Only the matched name is reported, never the whole value (it may hold a secret)."""
    findings = []
    for name, value in sorted(values.items()):
        match = pattern.search(value.encode("utf-8", "surrogateescape"))
        if match:
            findings.append(Finding(f"{label} {name}", match.group().decode("utf-8", "replace")))
    return findings
