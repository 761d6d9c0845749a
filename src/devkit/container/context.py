"""The image's inputs and their content hash.

The build context is ``.devcontainer/`` itself: what devkit renders there (committed) and
``.devcontainer/.local/host-ca.crt`` (this host's CA bundle, git-ignored). The hash covers every
input of the image — the rendered files, the local layer's build args, the CA bundle and the base
image's id — so an image labelled with the same hash is the same image and the build is skipped.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from pathlib import Path

from devkit import safefs
from devkit.config.model import Profile
from devkit.container import trust
from devkit.container.render import DEVCONTAINER_DIR, Rendered
from devkit.core.errors import ConfigError, Where
from devkit.core.records import dataclass

HASH_VERSION = "2"


def lockfile_path(workspace: Path, profile: Profile) -> Path | None:
    """The profile's lockfile inside the workspace (ConfigError when outside or missing)."""
    name = profile.image.lockfile
    if not name:
        return None
    path = (workspace / name).resolve()
    if not path.is_relative_to(workspace.resolve()):
        raise ConfigError(
            f"lockfile '{name}' of profile '{profile.name}' is outside the workspace",
            "name a lockfile inside the repository",
        )
    if not path.is_file():
        where = Where(profile.source_files[-1]) if profile.source_files else None
        raise ConfigError(
            f"lockfile '{name}' named by profile '{profile.name}' does not exist in {workspace}",
            "create it (e.g. 'pip freeze > " + name + "') or fix image.lockfile in the profile",
            where,
        )
    return path


def lockfile_text(workspace: Path, profile: Profile) -> str:
    """The lockfile's text (it is copied into .devcontainer/, so never read through a
    committed symlink, never a device, at most 16 MiB)."""

    if lockfile_path(workspace, profile) is None or not profile.image.lockfile:
        return ""
    data = safefs.read_bytes(workspace / profile.image.lockfile, 16 << 20, root=workspace)
    return (data or b"").decode("utf-8", errors="replace")


@dataclass
class ImageInputs:
    workspace: Path
    profile: Profile
    rendered: Rendered
    base_image: str

    @cached_property
    def ca_bundle(self) -> Path | None:
        return trust.detect_ca_bundle(self.profile.ca_bundle)

    def content_hash(self, base_image_id: str) -> str:
        digest = hashlib.sha256(f"devkit-image-v{HASH_VERSION}\0".encode())

        def part(name: str, data: bytes) -> None:
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())

        for rel, data in sorted(self.rendered.files.items()):
            if rel.endswith("devcontainer.json"):
                continue  # not a build input (its changes reach the container, not the image)
            part(rel, data)
        part("build-args", json.dumps(self.rendered.build_args, sort_keys=True).encode())
        part("ca-bundle", self.ca_bundle.read_bytes() if self.ca_bundle else b"")
        part("base-image-id", base_image_id.encode())
        return digest.hexdigest()

    @property
    def context_dir(self) -> Path:
        return self.workspace / DEVCONTAINER_DIR
