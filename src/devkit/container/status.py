"""``devkit status``: branch, devcontainer files, image, container and data, in one report.

Read-only. Each part degrades on its own: no engine, no git or no profile shows as such instead
of failing the whole report.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devkit.config.model import Profile
from devkit.config.profiles import ProfileSet
from devkit.container import labels as L
from devkit.container.container_step import find_containers
from devkit.container.engine import connect, image_info
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.render import LOCK_NAME, OVERRIDE_FILE
from devkit.core.errors import DevkitError
from devkit.core.records import asdict
from devkit.core.units import format_amount
from devkit.data.usage import dataset_usage
from devkit.git.state import repo_state
from devkit.host.python import interpreter_version
from devkit.host.venv import VENV_REL, venv_python
from devkit.init.plan import Runtime, image_target
from devkit.init.request import InitRequest
from devkit.parity.lockfile import read_lockfile
from devkit.state import HOST_VENV_KEY, WorkspaceState
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
    last = WorkspaceState(root).last_init()
    request = InitRequest(
        branch="-",
        base_image=last.base_image,
        network=last.network or "bridge",
        vendor=last.vendor,
        index_url=last.index_url,
        extra_index_url=last.extra_index_url,
    )
    try:
        rendered = image_target(
            Workspace(root), profile, request, Runtime(lookup=False)
        ).inputs.rendered
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


def _docker(root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        client = connect(timeout=10)
    except DevkitError as exc:
        return {"error": exc.what}, {"error": exc.what}
    try:
        return _container_and_image(client, root)
    finally:
        client.close()


def _image(client: Any, ref: str) -> dict[str, Any]:
    found = image_info(client, ref) if ref else None
    if found is None:
        return {"present": False}
    created = found.created[:19]
    image: dict[str, Any] = {"present": True, "tags": list(found.tags), "created": created}
    try:
        made = time.mktime(time.strptime(created, "%Y-%m-%dT%H:%M:%S")) - time.timezone
        image["age_hours"] = round((time.time() - made) / 3600, 1)
    except ValueError:
        pass
    return image


def _container_and_image(client: Any, root: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    containers = find_containers(client, root)
    if not containers:
        # The image the last container ran is kept by `devkit down`: say so while it is there.
        kept = WorkspaceState(root).image()
        image = _image(client, kept.tag)
        if not image["present"]:
            return {"state": "none"}, {}
        return {"state": "none"}, {"hash": kept.hash[:12] or None, "kept": True, **image}
    container = containers[0]
    info = {"name": container.name, "state": container.status, "id": container.short_id}
    image = {"hash": (container.labels.get(L.IMAGE_HASH) or "")[:12] or None}
    return info, image | _image(client, container.image_id)


def _data(root: Path, profile: Profile | None) -> dict[str, Any]:
    if profile is None or profile.data is None:
        return {"folder": None}
    folder = root / profile.data.dest
    if not folder.is_dir():
        return {"folder": profile.data.dest, "present": False}
    files, size, newest = dataset_usage(folder)
    found = {"folder": profile.data.dest, "present": True, "bytes": size, "files": files}
    return found | {"updated": newest}


def _venv(root: Path, profile: Profile | None) -> dict[str, Any]:
    """The host target's venv: its Python and whether the lockfile changed since it was
    synced (no engine is asked)."""

    exe = venv_python(root)
    found: dict[str, Any] = {"path": VENV_REL, "present": exe.exists()}
    if not exe.exists():
        return found
    found["python"] = interpreter_version(str(exe))
    record = WorkspaceState(root).entry(HOST_VENV_KEY)
    if profile is not None and profile.image.lockfile:
        current = read_lockfile(root, profile.image.lockfile).sha256
        found["lockfile_stale"] = record.get("lock_sha256") != current
    return found


def status_profile(root: Path, name: str | None, env: Mapping[str, str]) -> Profile | None:
    """The profile ``status`` reports on: the one named, else the last init's, else (inside a
    dev container, where a fresh clone has no ``.devkit/profile``) ``DEVKIT_PROFILE``."""
    name = name or WorkspaceState(root).profile() or env.get("DEVKIT_PROFILE") or None
    return ProfileSet(root).get(name) if name else None


def gather(root: Path, profile: Profile | None) -> dict[str, Any]:
    target = WorkspaceState(root).target()
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
    dashboard), as it recorded itself; None when never run."""
    found = WorkspaceState(root).last_check()
    return None if found is None else asdict(found)


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
        if image.get("kept"):
            image_text += ", kept after devkit down"
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
