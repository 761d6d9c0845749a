"""The workspace's bookkeeping under ``.devkit/``: the one reader and writer of it.

What devkit remembers about a workspace lives in three places, all owned here:

* ``.devkit/profile`` — the profile the last ``devkit init`` used (one line; a plain file so a
  shell script can read it);
* ``.devkit/state.json`` — the last init's other choices (``target`` and ``render``), the image
  the container runs (``image``), and the records the steps keep to know they are done
  (``devcontainer_files``, ``post_create``, ``host_venv``);
* ``.devkit/parity/last.json`` — the last ``devkit check`` report, whoever ran it.

Every read is bounded and goes through ``devkit.safefs`` (a symlink the repository committed is
refused, never followed); a missing, unreadable or corrupt file reads as the defaults below,
defined once. Every write goes through ``safefs`` too: read, merge, replace atomically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.core.errors import ConfigError, DevkitError
from devkit.core.records import asdict, dataclass, field
from devkit.workspace import Workspace

STATE_FILE = "state.json"
PROFILE_FILE = "profile"
LAST_CHECK = ("parity", "last.json")
RUNS_DIR = "runs"
STATE_LIMIT = 16 << 20
PROFILE_LIMIT = 4096
CHECK_LIMIT = 16 << 20

TARGETS = ("container", "host")
DEFAULT_TARGET = "container"

# The state.json keys steps keep their own records under (their shape is the step's business).
FILES_KEY = "devcontainer_files"
POST_CREATE_KEY = "post_create"
HOST_VENV_KEY = "host_venv"


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise ConfigError(f"unknown target '{target}'", "pass --target container or host")
    return target


@dataclass(frozen=True)
class InitRecord:
    """What the last ``devkit init`` here used, so a re-run (after ``devkit down``, or to pick up
    profile changes) rebuilds the same environment. None: the flag was not given (the profile's
    or devkit's default applied)."""

    profile: str | None = None
    target: str = DEFAULT_TARGET
    base_image: str | None = None
    network: str | None = None  # bridge | host as resolved; None for the host target
    data: str | None = None
    vendor: bool | None = None
    index_url: str | None = None
    extra_index_url: str | None = None

    def render(self) -> dict[str, Any]:
        """The ``render`` entry of state.json (every field but profile and target)."""
        found = asdict(self)
        del found["profile"], found["target"]
        return found


@dataclass(frozen=True)
class ImageRecord:
    """The image the workspace's container was last started from (kept after ``down``)."""

    tag: str = ""
    hash: str = ""


@dataclass(frozen=True)
class CheckRecord:
    """The last ``devkit check`` in this workspace, from any source."""

    ok: bool
    summary: dict[str, int] = field(default_factory=dict)
    checked: float = 0.0  # when it was written (epoch seconds)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class WorkspaceState:
    """``.devkit/`` of one workspace. Cheap to make; every call reads the files afresh."""

    def __init__(self, root: Path | Workspace) -> None:
        self.ws = root if isinstance(root, Workspace) else Workspace(root)

    @property
    def root(self) -> Path:
        return self.ws.root

    @property
    def runs_dir(self) -> Path:
        return self.ws.state / RUNS_DIR

    @property
    def last_check_path(self) -> Path:
        return self.ws.state.joinpath(*LAST_CHECK)

    # -- state.json -------------------------------------------------------------------------

    def _document(self) -> dict[str, Any]:
        """state.json as a mapping; {} when missing, unreadable, corrupt or a committed link."""
        try:
            body = safefs.read_bytes(
                self.ws.state / STATE_FILE, STATE_LIMIT, root=self.root, missing_ok=True
            )
            data = json.loads(body) if body else {}
        except (OSError, ValueError, RecursionError, DevkitError):
            return {}
        return data if isinstance(data, dict) else {}

    def entry(self, key: str) -> dict[str, Any]:
        """A step's own record (``FILES_KEY``, ``POST_CREATE_KEY``…); {} when there is none."""
        value = self._document().get(key)
        return dict(value) if isinstance(value, dict) else {}

    def update(self, **entries: Any) -> None:
        """Merge ``entries`` into state.json (None removes a key) and replace it atomically."""
        self.ws.ensure_state()
        data = self._document()
        for key, value in entries.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        safefs.write_text(self.ws.state / STATE_FILE, text, root=self.root)

    def forget(self, key: str) -> None:
        if key in self._document():
            self.update(**{key: None})

    # -- the last init ----------------------------------------------------------------------

    def profile(self) -> str | None:
        """The profile the last init used (``.devkit/profile``), or None."""
        try:
            text = self.ws.read_state_text(PROFILE_FILE, limit=PROFILE_LIMIT)
        except (OSError, DevkitError):
            return None
        return (text or "").strip() or None

    def target(self) -> str:
        value = self._document().get("target")
        return value if value in TARGETS else DEFAULT_TARGET

    def last_init(self) -> InitRecord:
        data = self._document()
        render = data.get("render")
        render = render if isinstance(render, dict) else {}
        vendor = render.get("vendor")
        target = data.get("target")
        return InitRecord(
            profile=self.profile(),
            target=target if target in TARGETS else DEFAULT_TARGET,
            base_image=_text(render.get("base_image")),
            network=_text(render.get("network")),
            data=_text(render.get("data")),
            vendor=vendor if isinstance(vendor, bool) else None,
            index_url=_text(render.get("index_url")),
            extra_index_url=_text(render.get("extra_index_url")),
        )

    def record_init(self, record: InitRecord) -> None:
        if record.profile:
            self.ws.write_state(PROFILE_FILE, text=record.profile + "\n")
        self.update(target=check_target(record.target), render=record.render())

    # -- the image --------------------------------------------------------------------------

    def image(self) -> ImageRecord:
        found = self.entry("image")
        return ImageRecord(str(found.get("tag") or ""), str(found.get("hash") or ""))

    def record_image(self, image: ImageRecord) -> None:
        self.update(image=asdict(image))

    # -- the last check ---------------------------------------------------------------------

    def record_check(self, report_json: str) -> Path:
        """Write the JSON report of a ``devkit check`` atomically; its path."""
        path = self.last_check_path
        self.ws.ensure_state()
        safefs.ensure_dir(path.parent, root=self.root)
        safefs.write_text(path, report_json, root=self.root)
        return path

    def last_check(self) -> CheckRecord | None:
        """The last check, as it recorded itself; None when never run (or unreadable)."""
        path = self.last_check_path
        try:
            body = safefs.read_bytes(path, CHECK_LIMIT, root=self.root, missing_ok=True)
            if body is None:
                return None
            data = json.loads(body)
            mtime = path.stat().st_mtime
        except (OSError, ValueError, RecursionError, DevkitError):
            return None
        if not isinstance(data, dict):
            return None
        summary = data.get("summary")
        counts = (
            {str(k): int(v) for k, v in summary.items() if isinstance(v, int)}
            if isinstance(summary, dict)
            else {}
        )
        return CheckRecord(bool(data.get("ok")), counts, mtime)
