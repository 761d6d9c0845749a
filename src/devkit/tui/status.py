"""What the dashboard shows, read from cheap sources — plain logic, no Textual.

Every source is read fresh on each poll, and each is cheap: a few small files under ``.git`` and
``.devkit``, one Docker API call, the dataset folder's manifest or a walk only when it changed.
A source that fails shows as unknown with the reason; it never stops the others.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from devkit.container.engine import image_info, list_containers
from devkit.errors import DevkitError
from devkit.git.repo import head

CONTAINER_LABEL = "devcontainer.local_folder"
MANIFEST_NAME = ".devkit-manifest.json"  # written by the data package next to the dataset
OWN_FILES = ".devkit-"  # manifest, journal and partial downloads: not part of the dataset


@dataclass(frozen=True)
class ContainerStatus:
    state: str  # running | exited | created | none | unknown
    name: str = ""
    id: str = ""
    image: str = ""
    image_created: float | None = None
    note: str = ""


@dataclass(frozen=True)
class DataStatusView:
    dest: str
    files: int = 0
    bytes: int = 0
    newest: float | None = None
    kind: str = ""  # sample | synthetic | "" when unknown


@dataclass(frozen=True)
class WorkspaceStatus:
    root: str
    branch: str
    base: str
    profile: str | None
    container: ContainerStatus
    data: DataStatusView | None
    last_run: dict[str, Any] | None
    last_parity: dict[str, Any] | None
    notes: tuple[str, ...] = field(default=())
    render: dict[str, Any] = field(default_factory=dict, compare=False)  # init's render options


class StatusSource(Protocol):
    def snapshot(self) -> WorkspaceStatus: ...

    def container_id(self) -> str | None: ...


def current_branch(root: Path) -> str:
    try:
        found = head(root)
    except DevkitError:
        return "(not a git repository)"
    return found.branch or f"(detached at {(found.commit or '')[:7]})"


def newest_json(folder: Path) -> dict[str, Any] | None:
    """The newest ``*.json`` record in a folder (by name, then mtime), or None."""
    if not folder.is_dir():
        return None
    files = sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))
    for path in reversed(files):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            data.setdefault("_mtime", path.stat().st_mtime)
            return data
    return None


def folder_usage(folder: Path) -> tuple[int, int, float | None]:
    """(files, bytes, newest mtime) of the dataset below ``folder``, counted as
    ``devkit status`` counts it (``devkit.data.usage``)."""
    from devkit.data.usage import dataset_usage

    return dataset_usage(folder)


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _manifest_kind(path: Path) -> str:
    """'s3' or 'synthetic' from the dataset's manifest; '' when there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    return str(data.get("kind", "")) if isinstance(data, dict) else ""


def age_text(then: float | None, now: float) -> str:
    if then is None:
        return "never"
    seconds = max(0, int(now - then))
    for unit, span in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= span:
            return f"{seconds // span}{unit} ago"
    return f"{seconds}s ago"


class WorkspaceStatusSource:
    """The real sources: the workspace's git and .devkit files, and the Docker Engine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._usage_key: tuple[str, float, float | None] | None = None
        self._usage: tuple[int, int, float | None] = (0, 0, None)
        self._container: ContainerStatus = ContainerStatus("unknown")
        self._kind = ""

    def snapshot(self) -> WorkspaceStatus:
        notes: list[str] = []
        profile_name = self._recorded_profile()
        base, dest = "main", None
        if profile_name:
            try:
                from devkit.config.profiles import ProfileSet

                profile = ProfileSet(self.root).get(profile_name)
                base = profile.branch.base
                dest = profile.data.dest if profile.data else None
            except Exception as exc:  # a broken profile must not blank the dashboard
                notes.append(f"profile {profile_name}: {exc}")
        self._container = self._read_container()
        state = self.root / ".devkit"
        from devkit.container.state import read_state

        return WorkspaceStatus(
            root=str(self.root),
            branch=current_branch(self.root),
            base=base,
            profile=profile_name,
            container=self._container,
            data=self._read_data(dest) if dest else None,
            last_run=newest_json(state / "runs"),
            last_parity=self._last_check(),
            notes=tuple(notes),
            render=dict(read_state(self.root).get("render") or {}),
        )

    def container_id(self) -> str | None:
        return self._container.id or None

    def _last_check(self) -> dict[str, Any] | None:
        from devkit.container.status import last_check

        found = last_check(self.root)
        if found is None:
            return None
        return {"ok": found["ok"], "summary": found["summary"], "_mtime": found["checked"]}

    def _recorded_profile(self) -> str | None:
        from devkit.errors import DevkitError
        from devkit.workspace import Workspace

        try:
            text = Workspace(self.root).read_state_text("profile", limit=4096)
        except (OSError, DevkitError):
            return None
        return (text or "").strip() or None

    def _read_data(self, dest: str) -> DataStatusView:
        folder = self.root / dest
        manifest = folder / MANIFEST_NAME
        try:
            key = (dest, folder.stat().st_mtime, _mtime(manifest))
        except OSError:
            return DataStatusView(dest)
        if key != self._usage_key:  # walk the folder only when something in it changed
            self._usage_key, self._usage = key, folder_usage(folder)
            self._kind = _manifest_kind(manifest)
        files, size, newest = self._usage
        return DataStatusView(dest, files, size, newest, self._kind)

    def _read_container(self) -> ContainerStatus:
        from devkit.container.engine import connect
        from devkit.errors import DevkitError
        from devkit.host.target import recorded_target

        if recorded_target(self.root) == "host":  # no engine to ask every 2 s
            return ContainerStatus("none", note="host target: the workload runs on this machine")
        try:
            client = connect(timeout=3)
        except DevkitError as exc:
            return ContainerStatus("unknown", note=exc.what)
        try:
            found = list_containers(client, {CONTAINER_LABEL: str(self.root)})
            if not found:
                tag, created = kept_image(client, self.root)
                note = "image kept: b rebuilds the container" if tag else ""
                return ContainerStatus("none", image=tag, image_created=created, note=note)
            box = found[0]
            image = image_info(client, box.image_id)
            return ContainerStatus(
                box.status,
                box.name,
                box.id,
                (image.tags or (image.short_id,))[0] if image else box.image_id[:19],
                _parse_docker_time(image.created if image else ""),
            )
        except Exception as exc:  # the engine went away between calls
            return ContainerStatus("unknown", note=str(exc).split("\n")[0][:120])
        finally:
            client.close()


def kept_image(client: Any, root: Path) -> tuple[str, float | None]:
    """The image this workspace last ran (init's container step records it in
    .devkit/state.json), when it is still on the engine after ``devkit down``; ("", None)
    otherwise. Never a guess by profile: on a shared engine that finds other workspaces'."""
    from devkit.container.state import read_state

    tag = str((read_state(root).get("image") or {}).get("tag") or "")
    found = image_info(client, tag) if tag else None
    if found is None:
        return "", None
    return tag, _parse_docker_time(found.created)


def _parse_docker_time(text: str) -> float | None:
    """Docker's RFC 3339 timestamps (with nanoseconds) as epoch seconds."""
    if not text:
        return None
    from datetime import datetime

    trimmed = text.rstrip("Z").split(".")[0]
    try:
        return datetime.fromisoformat(trimmed + "+00:00").timestamp()
    except ValueError:
        return None


def now() -> float:
    return time.time()
