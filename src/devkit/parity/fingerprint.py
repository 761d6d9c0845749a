"""Fingerprints: a JSON description of an environment, computed the same way everywhere.

Shape (format ``devkit.fingerprint``, version 1)::

    {"format": "devkit.fingerprint", "format_version": 1, "created": ISO-8601 UTC,
     "profile": NAME, "devkit_version": STR, "where": "host" | "container:NAME" | "ci",
     "python": {"version", "implementation", "executable", "prefix"},
     "platform": {"system", "machine", "os_release": {"id", "version_id", ...}},
     "base_image": {"ref": STR|null, "digest": STR|null},
     "distributions": {normalised name: version},     # the workload's interpreter, not devkit's
     "env_names": [NAME, ...],                         # names only, never values
     "env_set": [NAME, ...],                           # every name set, unfiltered (names only)
     "env_used": {"declared": [NAME], "reads": {NAME: ["file:line"]},
                  "case_insensitive": [NAME], "files": N, "skipped": [...]} | null,
     "lockfile": {"path", "sha256", "pins": {name: version}, "unpinned": [...]} | null,
     "data": {"dest", "present", "files", "schema": {table: {format, columns}},
              "manifest_digest"} | null,
     "git": {"branch", "commit", "commit_time", "base", "base_ref", "merge_base",
             "behind", "ahead", "dirty", "untracked", "is_worktree"} | null}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit import __version__
from devkit.core.errors import ConfigError, NotReadyError
from devkit.git.state import commit_time, repo_state
from devkit.parity import formats
from devkit.parity.dataset import dataset_facts
from devkit.parity.envscan import workload_env_use
from devkit.parity.lockfile import read_lockfile
from devkit.parity.probe import (
    normalise_name,
    own_prefix,
    relevant_env_names,
    run_probe,
    workload_python,
)

if TYPE_CHECKING:
    from devkit.config.model import Profile

SECTIONS = ("python", "platform", "base_image", "distributions", "env_names")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def git_facts(root: Path, base: str) -> dict[str, Any] | None:
    if not (root / ".git").exists():
        return None
    state = repo_state(root, base).to_dict()
    state["commit_time"] = None
    if state["commit"]:
        state["commit_time"] = commit_time(root)
    return state


def workspace_facts(root: Path, profile: Profile, cache_dir: Path | None) -> dict[str, Any]:
    """What the workspace itself says: lockfile, local dataset, git state.

    Git facts are best effort here (a worktree mounted without its main repository has no
    readable history): the fingerprint records null and the branch rule, which reads git
    itself, reports the real problem.
    """
    lock = profile.image.lockfile
    try:
        git = git_facts(root, profile.branch.base)
    except NotReadyError:
        git = None

    return {
        "env_used": workload_env_use(root, profile, cache_dir),
        "lockfile": read_lockfile(root, lock).to_dict() if lock else None,
        "data": dataset_facts(root, profile.data.dest, cache_dir) if profile.data else None,
        "git": git,
    }


def environment_facts(probed: Mapping[str, Any]) -> dict[str, Any]:
    """The interpreter's facts, cleaned: normalised names, env names without noise, and devkit's
    own distribution left out when the workload shares devkit's interpreter."""
    python = dict(probed.get("python") or {})
    dists = {normalise_name(k): str(v) for k, v in (probed.get("distributions") or {}).items()}
    if python.get("prefix") == own_prefix():
        dists.pop("devkit", None)
    return {
        "python": python,
        "platform": dict(probed.get("platform") or {}),
        "base_image": dict(probed.get("base_image") or {"ref": None, "digest": None}),
        "distributions": dict(sorted(dists.items())),
        "env_names": relevant_env_names(list(probed.get("env_names") or [])),
        "env_set": sorted({str(n) for n in probed.get("env_names") or []}),
    }


def assemble(
    profile: Profile, where: str, env_facts: Mapping[str, Any], ws_facts: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "format": formats.FINGERPRINT,
        "format_version": formats.FINGERPRINT_VERSION,
        "created": now_iso(),
        "profile": profile.name,
        "devkit_version": __version__,
        "where": where,
        **env_facts,
        **ws_facts,
    }


def fingerprint(
    root: Path,
    profile: Profile,
    *,
    probe: Callable[[], dict[str, Any]] | None = None,
    env: Mapping[str, str] | None = None,
    where: str = "host",
    cache_dir: Path | None = None,
) -> tuple[dict[str, Any], float]:
    """The fingerprint of the workload's environment and the seconds it took.

    ``probe`` returns the interpreter's facts (see ``probe.PROBE``); by default the workload's
    python on this machine (``workload_python``) runs it with ``env``.
    """
    started = time.perf_counter()
    probed = run_probe([workload_python(env)], env) if probe is None else probe()
    result = assemble(
        profile, where, environment_facts(probed), workspace_facts(root, profile, cache_dir)
    )
    return result, time.perf_counter() - started


def validate(data: dict[str, Any], source: str) -> dict[str, Any]:
    """``data`` if it is a fingerprint this devkit reads; ConfigError naming what is wrong."""
    hint = f"point at a file written by 'devkit parity snapshot' (read from {source})"
    formats.check_format(data, formats.FINGERPRINT, formats.FINGERPRINT_VERSION, source, hint)
    if not isinstance(data.get("profile"), str):
        raise ConfigError(f"{source} names no profile", hint)
    for key, kind in (("python", dict), ("distributions", dict), ("env_names", list)):
        if not isinstance(data.get(key), kind):
            raise ConfigError(f"{source}: '{key}' is missing or not a {kind.__name__}", hint)
    return data
