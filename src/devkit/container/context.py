"""The image's inputs, their content hash, and the build context assembled from them.

The hash covers every input of the image: the rendered Dockerfile, the build args, the trust
material, the lockfile, devkit's own files and dependency pins, and the base image's id. An image
labelled with the same hash is the same image, so the build is skipped.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from devkit.config.model import Profile
from devkit.container import trust, wheel, wheelhouse
from devkit.container.render import CONTEXT_DIR, Rendered, template
from devkit.errors import ConfigError, Where

TRUST_SCRIPT = "trust-install.sh"
HASH_VERSION = "1"


@dataclass
class ImageInputs:
    workspace: Path
    profile: Profile
    rendered: Rendered
    base_image: str

    @cached_property
    def ca_bundle(self) -> Path | None:
        return trust.detect_ca_bundle(self.profile.ca_bundle)

    @cached_property
    def lockfile(self) -> Path | None:
        name = self.profile.image.lockfile
        if not name:
            return None
        path = (self.workspace / name).resolve()
        if not path.is_relative_to(self.workspace.resolve()):
            raise ConfigError(
                f"lockfile '{name}' of profile '{self.profile.name}' is outside the workspace",
                "name a lockfile inside the repository",
            )
        if not path.is_file():
            where = Where(self.profile.source_files[-1]) if self.profile.source_files else None
            raise ConfigError(
                f"lockfile '{name}' named by profile '{self.profile.name}' does not exist "
                f"in {self.workspace}",
                "create it (e.g. 'pip freeze > " + name + "') or fix image.lockfile in the profile",
                where,
            )
        return path

    @cached_property
    def requirements(self) -> list[str]:
        return wheel.runtime_requirements()

    def content_hash(self, base_image_id: str) -> str:
        digest = hashlib.sha256(f"devkit-image-v{HASH_VERSION}\0".encode())

        def part(name: str, data: bytes) -> None:
            digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())

        part("dockerfile", self.rendered.dockerfile.encode())
        part("build-args", json.dumps(self.rendered.build_args, sort_keys=True).encode())
        part("trust-script", template(TRUST_SCRIPT).encode())
        part("ca-bundle", self.ca_bundle.read_bytes() if self.ca_bundle else b"")
        part("lockfile", self.lockfile.read_bytes() if self.lockfile else b"")
        part("requirements", "\n".join(self.requirements).encode())
        part("devkit", wheel.fingerprint().encode())
        part("base-image-id", base_image_id.encode())
        return digest.hexdigest()

    @property
    def context_dir(self) -> Path:
        return self.workspace / CONTEXT_DIR


def write_trust(folder: Path, bundle: Path | None, log: Callable[[str], None]) -> None:
    """The trust/ part of a build context: the install script and the host's CA bundle."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "install.sh").write_text(template(TRUST_SCRIPT), encoding="utf-8")
    if bundle:
        shutil.copyfile(bundle, folder / "host-ca.crt")
        log(f"host trust: CA bundle {bundle} copied into the build context")
    else:
        log("host trust: no CA bundle (profile trust.ca_bundle is 'none' or none was found)")


def assemble_context(
    inputs: ImageInputs, python: str, arch: str, log: Callable[[str], None]
) -> Path:
    """Write .devkit/build/ afresh (built aside, then swapped in) and return it."""
    from devkit import safefs

    dest = inputs.context_dir
    staging = dest.with_name(dest.name + ".tmp")
    safefs.ensure_dir(dest, root=inputs.workspace)  # no committed symlink on the way or at it
    shutil.rmtree(staging, ignore_errors=True)
    safefs.ensure_dir(staging, root=inputs.workspace)
    write_trust(staging / "trust", inputs.ca_bundle, log)
    (staging / "workload").mkdir()
    lock_target = staging / "workload" / "requirements.lock"
    if inputs.lockfile:
        shutil.copyfile(inputs.lockfile, lock_target)
    else:
        lock_target.write_text("", encoding="utf-8")
    house = wheelhouse.ensure(inputs.requirements, python, arch, log)
    wheelhouse.link_tree(house, staging / "devkit-deps")
    wheel.build_wheel(staging / "devkit-wheel")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return dest
