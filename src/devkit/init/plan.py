"""The ``devkit init`` plan: record the choices → branch → devcontainer files → image → AWS
credentials broker → container → post-create → data (or, for ``--target host``: record → branch
→ venv → data → hooks → fingerprint).

``plan_init(workspace, request)`` is the one entry point, for the command line and the TUI
alike: it applies the defaults (``devkit.init.request.resolve_request``), resolves the ``auto``
network against the engine, validates the input (an invalid branch name fails here, before any
step touches anything), renders the devcontainer configuration and wires the steps together.
Recording the choices in ``.devkit/`` is the plan's first step, so what is recorded is what the
plan renders.

Extension point for data: the dataset step comes from ``devkit.data.step.DataStep`` (mode
``sample``, ``synthetic`` or ``auto`` when no ``--data`` was given); ``--data none`` or a profile
without data leaves it out, and so does a devkit built without the data package.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from devkit.config.model import Profile
from devkit.config.profiles import ProfileSet
from devkit.container import engine, source
from devkit.container.container_step import ContainerStep
from devkit.container.context import ImageInputs, lockfile_text
from devkit.container.credentials_mount import AWS_MODES, AwsAccess, CredentialsStep
from devkit.container.files_step import DevcontainerFilesStep
from devkit.container.image_step import DockerHandle, ImageStep, ImageTarget
from devkit.container.postcreate_step import PostCreateStep
from devkit.container.prebuilt import pull_steps
from devkit.container.render import HostUser, LocalLayer, render
from devkit.core.errors import ConfigError, DevkitError
from devkit.core.plan import Plan, Step, StepContext, StepResult
from devkit.core.records import dataclass, replace
from devkit.init.branch import FeatureBranchStep, check_name
from devkit.init.ready import ready_engine as ready_engine
from devkit.init.ready import require_engine as require_engine
from devkit.init.request import InitRequest, resolve_request
from devkit.state import InitRecord, WorkspaceState, check_target
from devkit.workspace import Workspace

DATA_MODES = ("sample", "synthetic", "none")
NETWORKS = ("bridge", "host")


@dataclass(frozen=True)
class Runtime:
    """What a plan is built with besides the choices: handles to this machine."""

    docker: Any = None  # a docker client to reuse (tests, the TUI); default: connect on demand
    env: dict[str, str] | None = None  # host environment (secrets, proxies); os.environ
    host_user: HostUser | None = None  # default: the workspace's owner (see host_user)
    lookup: bool = True  # may ask the package index for devkit's hashes
    fetch: bool = True  # fetch the base branch from the remote when there is one
    # Whether the engine has a usable bridge network (``auto`` network); default: ask it.
    bridge: Callable[[], bool] | None = None

    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self.env is None else self.env


def engine_bridge(docker: Any = None) -> bool:
    """Whether the engine has a usable bridge; True when it cannot be reached (the image step
    then reports the unreachable engine properly)."""
    try:
        client = DockerHandle(docker).client
    except DevkitError:
        return True
    return engine.bridge_usable(client)


def resolve_network(choice: str, runtime: Runtime) -> str:
    """``auto`` → ``bridge`` when the engine has a usable bridge, else ``host``."""
    if choice != "auto":
        return choice
    usable = runtime.bridge() if runtime.bridge is not None else engine_bridge(runtime.docker)
    return "bridge" if usable else "host"


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


def target_of(request: InitRequest) -> str:
    return check_target(request.target or "container")


def data_step(ws: Workspace, profile: Profile, request: InitRequest) -> Step | None:
    if request.data == "none" or profile.data is None:
        return None
    try:
        module = importlib.import_module("devkit.data.step")
    except ImportError:
        return None
    step: Step = module.DataStep(ws.root, profile, request.data or "auto")
    return step


def aws_access(
    ws: Workspace, profile: Profile, request: InitRequest, runtime: Runtime
) -> AwsAccess:
    if request.aws_config is not None and request.aws_config not in AWS_MODES:
        raise ConfigError(
            f"unknown AWS config mode '{request.aws_config}'",
            "pass --aws-config broker, host or none",
        )
    return AwsAccess(ws, profile, request.data, request.aws_config, runtime.env)


def check_build_index(url: str, flag: str) -> str:
    """The index module (urllib, ssl, email) is imported only when an index URL is given."""
    from devkit.container.index import check_build_index as check

    return check(url, flag)


def local_layer(ws: Workspace, request: InitRequest, runtime: Runtime) -> LocalLayer:
    index, extra = request.index_url, request.extra_index_url
    return LocalLayer(
        host=runtime.host_user or host_user(ws.root),
        base_image=request.base_image,
        network=request.network or "bridge",
        index_url=check_build_index(index, "--index-url") if index else None,
        extra_index_url=check_build_index(extra, "--extra-index-url") if extra else None,
    )


def vendor_mode(ws: Workspace, request: InitRequest) -> bool:
    """The request's choice; when it makes none, what the committed files do."""
    if request.vendor is not None:
        return request.vendor
    return source.committed_vendor(ws.root)


def image_target(
    ws: Workspace, profile: Profile, request: InitRequest, runtime: Runtime
) -> ImageTarget:
    layer = local_layer(ws, request, runtime)
    urls = [u for u in (request.index_url, request.extra_index_url) if u] or None
    devkit_source = source.resolve(ws.root, vendor_mode(ws, request), urls, runtime.lookup)
    rendered = render(profile, layer, devkit_source, lockfile_text(ws.root, profile))
    return ImageTarget(
        ImageInputs(ws.root, profile, rendered, rendered.base_image), DockerHandle(runtime.docker)
    )


class RecordInitStep:
    """Remember the choices in ``.devkit/`` for ``status``, ``down``, the dashboard and the next
    ``init``: first, so a failed run is re-run with the same choices."""

    id = "record"
    title = "Remember the choices"

    def __init__(self, ws: Workspace, record: InitRecord) -> None:
        self.state = WorkspaceState(ws)
        self.record = record

    def describe(self) -> list[str]:
        r = self.record
        shown = [f"profile {r.profile}", f"target {r.target}"]
        shown += [f"network {r.network}"] if r.network else []
        shown += [f"base image {r.base_image}"] if r.base_image else []
        shown += [f"data {r.data}"] if r.data else []
        return ["record " + ", ".join(shown) + " in .devkit/"]

    def is_done(self) -> bool:
        return self.state.last_init() == self.record

    def run(self, ctx: StepContext) -> StepResult:
        self.state.record_init(self.record)
        return StepResult("recorded in .devkit/", {"render": self.record.render()})


def init_record(profile: Profile, request: InitRequest) -> InitRecord:
    host = target_of(request) == "host"
    return InitRecord(
        profile=profile.name,
        target=target_of(request),
        base_image=request.base_image,
        network=None if host else request.network,
        data=request.data,
        vendor=request.vendor,
        index_url=request.index_url,
        extra_index_url=request.extra_index_url,
    )


def build_init_plan(
    workspace: Workspace, profile: Profile, request: InitRequest, runtime: Runtime | None = None
) -> Plan:
    """The plan for a resolved request (no ``auto`` left in it; see ``plan_init``)."""
    runtime = runtime or Runtime()
    branch = request.branch or ""
    if request.data is not None and request.data not in DATA_MODES:
        raise ConfigError(
            f"unknown data mode '{request.data}'", "pass --data sample, synthetic or none"
        )
    target = target_of(request)
    if target == "container" and (request.network or "bridge") not in NETWORKS:
        raise ConfigError(
            f"unknown network mode '{request.network}'", "pass --network bridge or host"
        )
    check_name(branch, profile.branch)
    record = RecordInitStep(workspace, init_record(profile, request))
    branch_step = FeatureBranchStep(workspace.root, branch, profile.branch, fetch=runtime.fetch)
    if target == "host":
        from devkit.host.plan import build_host_plan  # the venv, parity and hook steps

        host = build_host_plan(
            workspace,
            profile,
            branch,
            runtime.env,
            branch_step,
            lambda: data_step(workspace, profile, request),
        )
        return replace(host, steps=[record, *host.steps])
    image = image_target(workspace, profile, request, runtime)
    access = aws_access(workspace, profile, request, runtime)
    steps: list[Step] = [
        record,
        branch_step,
        DevcontainerFilesStep(workspace.root, image.inputs.rendered, request.overwrite),
        *pull_steps(image, request.rebuild),
        ImageStep(image, rebuild=request.rebuild),
        *([CredentialsStep(access)] if access.step_needed() else []),
        ContainerStep(image, runtime.env, access, replace=request.rebuild),
        PostCreateStep(image),
    ]
    data = data_step(workspace, profile, request)
    if data is not None:
        steps.append(data)
    return Plan(f"devkit init ({profile.name} on {branch})", steps, lock=workspace.state)


def plan_init(
    workspace: Workspace,
    request: InitRequest,
    runtime: Runtime | None = None,
    profiles: ProfileSet | None = None,
) -> Plan:
    """The init plan for a request as given: defaults applied, ``auto`` network resolved."""
    runtime = runtime or Runtime()
    profiles = profiles or ProfileSet(workspace.root)
    resolved = resolve_request(request, workspace, runtime.environ, profiles)
    if not resolved.profile:
        raise ConfigError("no profile chosen", "pass --profile NAME (see 'devkit profiles list')")
    if not resolved.branch:
        raise ConfigError("no branch chosen", "pass --branch NAME, e.g. --branch feat/my-change")
    profile = profiles.get(resolved.profile)
    if target_of(resolved) == "container":
        resolved = replace(resolved, network=resolve_network(resolved.network or "auto", runtime))
    return build_init_plan(workspace, profile, resolved, runtime)
