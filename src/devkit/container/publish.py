"""The ``devkit image publish`` plan: the committed environment, built and pushed.

"Committed" means the files under ``.devcontainer/`` as the profile renders them (the same
files ``devkit init`` writes and the team commits), built with no machine-local layer: the
profile's own base image, the default user (UID 1000), no index URL — what a teammate's
``devkit init`` on a fresh clone and the reference CLI build. The host's CA bundle goes in as
it does for every build here (``host-trust.sh``), so it is part of the hash too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from devkit.config.model import Profile
from devkit.container import source
from devkit.container.context import ImageInputs, lockfile_text
from devkit.container.files_step import DevcontainerFilesStep, read_current
from devkit.container.image_step import DockerHandle, ImageStep, ImageTarget
from devkit.container.prebuilt import PushStep
from devkit.container.registry import check_not_prod
from devkit.container.render import DEFAULT_UID, HostUser, LocalLayer, render
from devkit.core.errors import ConfigError, Where
from devkit.core.plan import Plan, Step
from devkit.workspace import Workspace


def publish_target(
    workspace: Path, profile: Profile, network: str, docker: Any = None
) -> ImageTarget:
    """The image of the committed environment: no local layer but the build network."""
    vendor = source.committed_vendor(workspace) or os.environ.get(
        "DEVKIT_VENDOR", ""
    ).strip().lower() in ("1", "true", "yes")
    layer = LocalLayer(host=HostUser(DEFAULT_UID, DEFAULT_UID), network=network)
    devkit_source = source.resolve(workspace, vendor)
    rendered = render(profile, layer, devkit_source, lockfile_text(workspace, profile))
    inputs = ImageInputs(workspace, profile, rendered, rendered.base_image)
    return ImageTarget(inputs, DockerHandle(docker))


class CommittedFilesStep(DevcontainerFilesStep):
    """Writes the committed files a checkout lacks (as init does); this machine's override
    (``.devkit/devcontainer.local.json``) is init's business and stays as it is."""

    def _override_current(self) -> bool:
        return True


def check_committed(workspace: Path, target: ImageTarget) -> None:
    """ConfigError when a committed ``.devcontainer/`` file is not what the profile renders:
    the image pushed must be the one a teammate's ``devkit init`` would build."""
    differ = [
        rel
        for rel, data in sorted(target.inputs.rendered.files.items())
        if (current := read_current(workspace, rel)) is not None and current != data
    ]
    if differ:
        name = target.inputs.profile.name
        raise ConfigError(
            f"{', '.join(differ)} differ from what profile '{name}' renders: the published "
            "image would not be the committed environment",
            f"run 'devkit init --profile {name}' and commit .devcontainer/, then publish",
        )


def check_publishable(workspace: Workspace, profile: Profile) -> str:
    """The profile's prebuilt repository; ConfigError without one, RefusedError for prod."""
    repository = profile.image.prebuilt
    if not repository:
        where = Where(profile.source_files[-1]) if profile.source_files else None
        raise ConfigError(
            f"profile '{profile.name}' names no prebuilt image repository",
            "add 'image: {prebuilt: REGISTRY/REPO}' to the profile (the team's registry)",
            where,
        )
    check_not_prod(repository, workspace.root)
    return repository


def build_publish_plan(
    workspace: Workspace, profile: Profile, network: str = "bridge", docker: Any = None
) -> Plan:
    repository = check_publishable(workspace, profile)
    target = publish_target(workspace.root, profile, network, docker)
    check_committed(workspace.root, target)
    steps: list[Step] = [
        CommittedFilesStep(workspace.root, target.inputs.rendered),
        ImageStep(target),
        PushStep(target, repository),
    ]
    title = f"devkit image publish ({profile.name} to {repository})"
    return Plan(title, steps, lock=workspace.state)
