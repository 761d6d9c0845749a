"""The ``devkit init`` plan: branch → devcontainer files → image → AWS credentials broker →
container → post-create → data.

``build_init_plan(workspace, profile, options)`` is pure apart from reading files: it validates
the input (an invalid branch name fails here, before any step touches anything), renders the
devcontainer configuration and wires the steps together. The CLI runs it headless and the TUI
drives the same plan, so a choice made on a screen is an ``InitOptions`` field.

Extension point for data: the dataset step comes from ``devkit.data.step.DataStep`` (mode
``sample``, ``synthetic`` or ``auto`` when no ``--data`` was given); ``--data none`` or a profile
without data leaves it out, and so does a devkit built without the data package.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devkit.config.model import Profile
from devkit.container.container_step import ContainerStep
from devkit.container.context import ImageInputs
from devkit.container.credentials_mount import AwsAccess, CredentialsStep
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.image_step import DockerHandle, ImageStep, ImageTarget
from devkit.container.postcreate_step import PostCreateStep
from devkit.container.prebuilt import pull_steps
from devkit.container.render import HostUser, LocalLayer, render
from devkit.errors import ConfigError
from devkit.plan import Plan, Step
from devkit.workspace import Workspace

DATA_MODES = ("sample", "synthetic", "none")
NETWORKS = ("bridge", "host")


@dataclass
class InitOptions:
    """Every choice ``devkit init`` takes; the TUI fills the same fields."""

    branch: str
    data: str | None = None  # sample | synthetic | none; None = sample when credentials work
    base_image: str | None = None
    overwrite: bool = False  # --force / --yes / a yes to the question (a backup is always kept)
    force: bool = False  # the same as overwrite (the TUI's name for it)
    network: str = "bridge"  # bridge | host (build and container on the host's network)
    fetch: bool = True  # fetch the base branch from the remote when there is one
    host_user: HostUser | None = None
    env: dict[str, str] | None = None  # host environment (secrets, proxies); default os.environ
    docker: Any = None  # a docker client to reuse (tests, the TUI); default: connect on demand
    aws_config: str | None = None  # broker (default) | host (mount ~/.aws read-only) | none
    vendor: bool | None = None  # commit a wheel of devkit; None = what the committed files do
    index_url: str | None = None  # build arg for the image's pip (local layer only)
    extra_index_url: str | None = None
    lookup: bool = True  # may ask the package index for devkit's hashes
    target: str = "container"  # container | host (no engine: a venv on this machine)
    extra: dict[str, Any] = field(default_factory=dict)
    rebuild: bool = False  # --rebuild: build the image again from scratch, replace the container


def resolve_network(choice: str, docker: Any = None) -> str:
    """``auto`` → ``bridge`` when the engine has a usable bridge, else ``host``."""
    if choice != "auto":
        return choice
    from devkit.container.engine import bridge_usable
    from devkit.errors import DevkitError

    try:
        client = DockerHandle(docker).client
    except DevkitError:
        return "bridge"  # the image step reports the unreachable engine properly
    return "bridge" if bridge_usable(client) else "host"


def host_user(workspace: Path | None = None) -> HostUser:
    """The host user whose UID the container user gets. As root, the workspace's owner when
    that is someone else (files the container writes stay theirs); root otherwise."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0 and workspace is not None:
        try:
            info = workspace.stat()
        except OSError:
            return HostUser(uid, gid)
        if info.st_uid != 0:
            return HostUser(info.st_uid, info.st_gid)
    return HostUser(uid, gid)


def check_branch(name: str, profile: Profile) -> None:
    """ConfigError (exit 2) naming every problem with the branch name, before any step runs."""
    from devkit.init.branch import check_name

    check_name(name, profile.branch)


def branch_step(ws: Workspace, profile: Profile, options: InitOptions) -> Step:
    from devkit.init.branch import FeatureBranchStep

    return FeatureBranchStep(ws.root, options.branch, profile.branch, fetch=options.fetch)


def data_step(ws: Workspace, profile: Profile, options: InitOptions) -> Step | None:
    if options.data == "none" or profile.data is None:
        return None
    import importlib

    try:
        module = importlib.import_module("devkit.data.step")
    except ImportError:
        return None
    step: Step = module.DataStep(ws.root, profile, options.data or "auto")
    return step


def aws_access(ws: Workspace, profile: Profile, options: InitOptions) -> AwsAccess:
    from devkit.container.credentials_mount import AWS_MODES

    if options.aws_config is not None and options.aws_config not in AWS_MODES:
        raise ConfigError(
            f"unknown AWS config mode '{options.aws_config}'",
            "pass --aws-config broker, host or none",
        )
    return AwsAccess(ws, profile, options.data, options.aws_config, options.env)


def local_layer(ws: Workspace, options: InitOptions) -> LocalLayer:
    from devkit.container.index import check_build_index

    return LocalLayer(
        host=options.host_user or host_user(ws.root),
        base_image=options.base_image,
        network=options.network,
        index_url=check_build_index(options.index_url, "--index-url")
        if options.index_url
        else None,
        extra_index_url=check_build_index(options.extra_index_url, "--extra-index-url")
        if options.extra_index_url
        else None,
    )


def vendor_mode(ws: Workspace, options: InitOptions) -> bool:
    from devkit.container.source import committed_vendor

    if options.vendor is not None:
        return options.vendor
    if committed_vendor(ws.root):
        return True
    env = os.environ if options.env is None else options.env
    return env.get("DEVKIT_VENDOR", "").strip().lower() in ("1", "true", "yes")


def image_target(ws: Workspace, profile: Profile, options: InitOptions) -> ImageTarget:
    from devkit.container import source
    from devkit.container.context import lockfile_text

    layer = local_layer(ws, options)
    urls = [u for u in (options.index_url, options.extra_index_url) if u] or None
    devkit_source = source.resolve(ws.root, vendor_mode(ws, options), urls, options.lookup)
    rendered = render(profile, layer, devkit_source, lockfile_text(ws.root, profile))
    return ImageTarget(
        ImageInputs(ws.root, profile, rendered, rendered.base_image), DockerHandle(options.docker)
    )


def require_engine(docker: Any = None) -> Any:
    """The engine's client, or NotReadyError (exit 3) naming ``--target host``: checked before
    any step runs, so no branch or file is created for a container that cannot start."""
    from devkit.container.engine import connect
    from devkit.errors import NotReadyError

    if docker is not None:
        return docker
    try:
        return connect(timeout=15)
    except NotReadyError as exc:
        raise NotReadyError(
            exc.what,
            "start a Docker Engine (or point DOCKER_HOST at one), or set up on this machine "
            "without containers: devkit init --target host",
        ) from None


def build_init_plan(workspace: Workspace, profile: Profile, options: InitOptions) -> Plan:
    if options.data is not None and options.data not in DATA_MODES:
        raise ConfigError(
            f"unknown data mode '{options.data}'", "pass --data sample, synthetic or none"
        )
    if options.network == "auto":
        options.network = resolve_network("auto", options.docker)
    if options.network not in NETWORKS:
        raise ConfigError(
            f"unknown network mode '{options.network}'", "pass --network bridge or host"
        )
    from devkit.host.target import check_target

    check_branch(options.branch, profile)
    if check_target(options.target) == "host":
        from devkit.host.plan import build_host_plan

        return build_host_plan(
            workspace,
            profile,
            options.branch,
            options.env,
            branch_step(workspace, profile, options),
            lambda: data_step(workspace, profile, options),
        )
    target = image_target(workspace, profile, options)
    access = aws_access(workspace, profile, options)
    steps: list[Step] = [
        branch_step(workspace, profile, options),
        DevcontainerFilesStep(
            workspace.root, target.inputs.rendered, options.overwrite or options.force
        ),
        *pull_steps(target, options.rebuild),
        ImageStep(target, rebuild=options.rebuild),
        *([CredentialsStep(access)] if access.step_needed() else []),
        ContainerStep(target, options.env, access, replace=options.rebuild),
        PostCreateStep(target),
    ]
    data = data_step(workspace, profile, options)
    if data is not None:
        steps.append(data)
    return Plan(f"devkit init ({profile.name} on {options.branch})", steps, lock=workspace.state)
