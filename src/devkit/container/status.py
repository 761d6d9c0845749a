"""``devkit status``: branch, devcontainer files, image, container and data, in one report.

Read-only. Each part degrades on its own: no engine, no git or no profile shows as such instead
of failing the whole report.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from devkit.config.model import Profile
from devkit.container import labels as L
from devkit.container.container_step import find_containers
from devkit.container.engine import connect, image_info
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.render import LOCK_NAME, OVERRIDE_FILE
from devkit.container.state import read_state
from devkit.data.usage import dataset_usage
from devkit.errors import DevkitError
from devkit.git.state import repo_state
from devkit.host.python import interpreter_version
from devkit.host.target import recorded_target
from devkit.host.venv import STATE_KEY, VENV_REL, venv_python
from devkit.init_plan import InitOptions, image_target
from devkit.parity.lockfile import read_lockfile
from devkit.parity.record import LAST_CHECK, read_check
from devkit.units import format_amount
from devkit.workspace import Workspace


def _branch(root: Path, profile: Profile | None) -> dict[str, Any]:
    try:
        state = repo_state(root, profile.branch.base if profile else "main")
    except DevkitError as exc:
        return {"error": exc.what}
    return {
        "name": state.branch,
        "commit": (state.commit or "")[:12] or None,
        "base": state.base_ref,
        "behind": state.behind,
        "ahead": state.ahead,
        "dirty": state.dirty,
    }


def _files(root: Path, profile: Profile | None) -> dict[str, Any]:
    config = root / ".devcontainer" / "devcontainer.json"
    override = root / OVERRIDE_FILE
    found: dict[str, Any] = {"present": config.is_file(), "override": None}
    if override.is_file():
        found["override"] = OVERRIDE_FILE
    if profile is None:
        return found | {"in_sync": None}
    recorded = _recorded_render(root)
    options = InitOptions(
        branch="-",
        base_image=recorded.get("base_image") or None,
        network=recorded.get("network") or "bridge",
        vendor=recorded.get("vendor"),
        index_url=recorded.get("index_url"),
        extra_index_url=recorded.get("extra_index_url"),
        lookup=False,
    )
    try:
        rendered = image_target(Workspace(root), profile, options).inputs.rendered
    except DevkitError as exc:
        return found | {"in_sync": None, "error": exc.what}
    changes = DevcontainerFilesStep(root, rendered).changes()
    differ = [c.rel for c in changes]
    return found | {
        "in_sync": not changes,
        "differ": differ,
        "lockfile_stale": f".devcontainer/{LOCK_NAME}" in differ
        and (root / ".devcontainer" / LOCK_NAME).is_file(),
    }


def _recorded_render(root: Path) -> dict[str, Any]:
    """The flags of the last init that change what is rendered (--base-image, --network…)."""

    value = read_state(root).get("render") or {}
    return value if isinstance(value, dict) else {}


def _docker(root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        client = connect(timeout=10)
    except DevkitError as exc:
        return {"error": exc.what}, {"error": exc.what}
    containers = find_containers(client, root)
    if not containers:
        return {"state": "none"}, {}
    container = containers[0]
    info = {"name": container.name, "state": container.status, "id": container.short_id}
    image: dict[str, Any] = {"hash": (container.labels.get(L.IMAGE_HASH) or "")[:12] or None}
    found = image_info(client, container.image_id)
    if found:
        created = found.created[:19]
        image |= {"present": True, "tags": list(found.tags), "created": created}
        try:
            made = time.mktime(time.strptime(created, "%Y-%m-%dT%H:%M:%S")) - time.timezone
            image["age_hours"] = round((time.time() - made) / 3600, 1)
        except ValueError:
            pass
    else:
        image["present"] = False
    return info, image


def _data(root: Path, profile: Profile | None) -> dict[str, Any]:
    if profile is None or profile.data is None:
        return {"folder": None}
    folder = root / profile.data.dest
    if not folder.is_dir():
        return {"folder": profile.data.dest, "present": False}

    files, size, _newest = dataset_usage(folder)
    return {"folder": profile.data.dest, "present": True, "bytes": size, "files": files}


def _venv(root: Path, profile: Profile | None) -> dict[str, Any]:
    """The host target's venv: its Python and whether the lockfile changed since it was
    synced (no engine is asked)."""

    exe = venv_python(root)
    found: dict[str, Any] = {"path": VENV_REL, "present": exe.exists()}
    if not exe.exists():
        return found
    found["python"] = interpreter_version(str(exe))
    record = read_state(root).get(STATE_KEY) or {}
    if profile is not None and profile.image.lockfile and isinstance(record, dict):
        current = read_lockfile(root, profile.image.lockfile).sha256
        found["lockfile_stale"] = record.get("lock_sha256") != current
    return found


def gather(root: Path, profile: Profile | None) -> dict[str, Any]:
    target = recorded_target(root)
    if target == "host":
        container: dict[str, Any] = {"state": "none", "target": "host"}
        image: dict[str, Any] = {"target": "host"}
        files: dict[str, Any] = {
            "present": (root / ".devcontainer" / "devcontainer.json").is_file(),
            "override": None,
            "in_sync": None,
            "target": "host",
        }
    else:
        container, image = _docker(root)
        files = _files(root, profile)
    return {
        "workspace": str(root),
        "profile": profile.name if profile else None,
        "target": target,
        "branch": _branch(root, profile),
        "devcontainer": files,
        "image": image,
        "container": container,
        "venv": _venv(root, profile) if target == "host" else None,
        "data": _data(root, profile),
        "parity": last_check(root),
    }


def last_check(root: Path) -> dict[str, Any] | None:
    """The last ``devkit check`` in this workspace, from any source (its command line, the
    dashboard), as it recorded itself in .devkit/parity/last.json; None when never run."""

    try:
        body = read_check(root)
        if body is None:
            return None
        data = json.loads(body)
        mtime = (root / LAST_CHECK).stat().st_mtime
    except (OSError, ValueError, DevkitError):
        return None
    if not isinstance(data, dict):
        return None
    return {"ok": bool(data.get("ok")), "summary": data.get("summary") or {}, "checked": mtime}


def render_lines(report: dict[str, Any]) -> list[str]:
    branch = report["branch"]
    if "error" in branch:
        branch_text = f"unknown ({branch['error']})"
    else:
        tree = "dirty" if branch["dirty"] else "clean"
        name = branch["name"] or "(detached)"
        if not branch["commit"]:
            branch_text = f"{name}, no commits yet"
        elif not branch["base"]:
            branch_text = f"{name} at {branch['commit']}, {tree} (base branch not found)"
        else:
            branch_text = (
                f"{name} at {branch['commit']}, {tree}, "
                f"{branch['behind']} behind / {branch['ahead']} ahead of {branch['base']}"
            )
    files = report["devcontainer"]
    host = report.get("target") == "host"
    if host:
        files_text = "not used: this workspace uses the host target (no container)"
    elif not files["present"]:
        files_text = "not written (run devkit init)"
    elif files["in_sync"] is None:
        files_text = "present (no profile chosen to compare)"
    elif files["in_sync"]:
        files_text = "in sync with the profile"
    else:
        files_text = "differ from the profile: " + ", ".join(files["differ"])
        if files.get("lockfile_stale"):
            files_text += " (the lockfile changed: run devkit init to refresh its copy)"
    override = files.get("override")
    cli_text = (
        f"devcontainer up --workspace-folder . --override-config {override}"
        if override
        else "devcontainer up --workspace-folder .  (committed files only)"
    )
    image = report["image"]
    if host:
        image_text = "none (host target)"
    elif "error" in image:
        image_text = image["error"]
    elif not image:
        image_text = "none for this workspace's container"
    elif image.get("present"):
        tags = ", ".join(image.get("tags") or []) or "untagged"
        image_text = f"{tags} (hash {image['hash']}, {image.get('age_hours', '?')} h old)"
    else:
        image_text = f"missing (hash {image['hash']})"
    container = report["container"]
    if host:
        container_text = "none: the workload runs on this machine ('devkit run -- CMD')"
    elif "error" in container:
        container_text = container["error"]
    elif container.get("state") == "none":
        container_text = "none (run devkit init)"
    else:
        container_text = f"{container['name']}: {container['state']}"
    data = report["data"]
    if data["folder"] is None:
        data_text = "none in this profile"
    elif not data["present"]:
        data_text = f"{data['folder']}: not there yet"
    else:
        data_text = (
            f"{data['folder']}: {format_amount(data['bytes'], 'B')} in {data['files']} files"
        )
    parity = report.get("parity")
    if not parity:
        parity_text = "not checked yet (devkit check)"
    else:
        counts = parity["summary"]
        tally = ", ".join(f"{counts[k]} {k}" for k in ("pass", "fail", "warn") if k in counts)
        verdict = "ok" if parity["ok"] else "violations"
        age = round((time.time() - parity["checked"]) / 3600, 1)
        parity_text = f"{verdict} ({tally}), checked {age} h ago"
    lines = [
        f"workspace     {report['workspace']} (profile {report['profile'] or 'not chosen'})",
        f"target        {report.get('target') or 'container'}",
        f"branch        {branch_text}",
        f"devcontainer  {files_text}",
        *([] if host else [f"open with     {cli_text}"]),
        f"image         {image_text}",
        f"container     {container_text}",
    ]
    venv = report.get("venv")
    if host and isinstance(venv, dict):
        if not venv.get("present"):
            venv_text = f"{venv['path']}: missing (run devkit init --target host)"
        else:
            venv_text = f"{venv['path']}: Python {venv.get('python') or 'unusable'}"
            if venv.get("lockfile_stale"):
                venv_text += ", the lockfile changed since it was synced (run devkit init)"
        lines.append(f"venv          {venv_text}")
    return [*lines, f"data          {data_text}", f"parity        {parity_text}"]
