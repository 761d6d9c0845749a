"""Rendering ``.devcontainer/`` from a profile: the committed, portable files, and the
machine-local layer devkit applies on top.

Pure: no Docker, no file writes, no network (the devkit source is resolved by the caller). The
same rendering drives the files devkit writes, the image devkit builds and the container devkit
creates (``spec.py`` resolves its variables), so devkit and any Dev Containers tool start the
same environment.

Decisions, written down here because the README is built from them:

* **Committed = portable.** Everything under ``.devcontainer/`` builds and starts from a fresh
  clone in any Dev Containers tool with no devkit on the host: the build context is
  ``.devcontainer/`` itself (``"context": "."``) holding only committed inputs — the Dockerfile,
  a copy of the lockfile, small install scripts, devkit's pins (or its vendored wheel) — plus
  ``.devcontainer/.local/`` (git-ignored, the host's CA bundle). A repository-root context would
  send the whole workspace (data included) to the legacy builder.
* The Dockerfile builds ``FROM`` the profile's ``image.base``; the user is the profile's
  ``image.user`` (default ``dev``) with UID 1000 and ``updateRemoteUserUID``. Resources become
  ``hostRequirements``, ports ``forwardPorts``, the profile's editor settings
  ``customizations.vscode``. No absolute host path, no network mode, no host user.
* **The local layer** (``LocalLayer``) holds what only this machine needs: a stand-in base image
  (build arg ``BASE_IMAGE``), host networking (build option and run arg), the host user's
  UID/GID (build args; ``root`` on a root host whose workspace is root's), an index URL, the
  resource limits and the loopback port mapping (``appPort``). devkit applies it when it builds
  and starts the container itself, and writes committed config + local layer to
  ``.devkit/devcontainer.local.json`` for ``devcontainer up --override-config``. The reference
  CLI resolves relative paths of an override config (``build.context``, ``build.dockerfile``)
  from the *original* ``.devcontainer/devcontainer.json``, so they stay ``.`` and ``Dockerfile``.
* Host trust: ``initializeCommand`` runs the committed POSIX script ``host-trust.sh`` on the host
  before the build; devkit's own ``init`` writes the same ``.local/`` folder in its own code.
* Proxy variables are referenced as ``${localEnv:NAME}``, never copied as values: in
  ``containerEnv`` and as Docker's predefined build args (``build.args``), never ARG/ENV.
"""

from __future__ import annotations

import copy
import json
import math
import re
from importlib import resources
from typing import Any

from devkit.config.model import Profile
from devkit.container import wheel
from devkit.container.trust import CA_ENV_VARS, SYSTEM_BUNDLES
from devkit.container.wheel import DIST_NAME
from devkit.core.records import dataclass, field

WORKSPACE_FOLDER = "/workspace"
DEVCONTAINER_DIR = ".devcontainer"
CONFIG_NAME = "devcontainer.json"
DOCKERFILE_NAME = "Dockerfile"
LOCK_NAME = "workload.lock"
TRUST_SCRIPT = "trust-install.sh"
HOST_TRUST_SCRIPT = "host-trust.sh"
INSTALL_SCRIPT = "devkit-install.sh"
DEPS_NAME = "devkit-deps.txt"
PIN_NAME = "devkit-pin.txt"
VENDOR_DIR = "vendor"
OVERRIDE_FILE = ".devkit/devcontainer.local.json"
DEFAULT_UID = 1000
PROXY_NAMES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class HostUser:
    uid: int
    gid: int

    @property
    def is_root(self) -> bool:
        return self.uid == 0


@dataclass(frozen=True)
class LocalLayer:
    """What only this machine needs; never written into the committed files."""

    host: HostUser = field(default_factory=lambda: HostUser(DEFAULT_UID, DEFAULT_UID))
    base_image: str | None = None  # a local stand-in for a base image that cannot be pulled
    network: str = "bridge"  # bridge | host
    index_url: str | None = None  # credential-free, checked by the caller
    extra_index_url: str | None = None


@dataclass(frozen=True)
class DevkitSource:
    """How the image gets devkit: ``deps`` pinned lines, then the pin file or a vendored wheel."""

    version: str
    deps: str  # the text of devkit-deps.txt
    pin: str | None = None  # the text of devkit-pin.txt (NAME==VERSION --hash=…)
    wheel: bytes | None = None  # the vendored wheel
    wheel_name: str | None = None

    @property
    def vendored(self) -> bool:
        return self.wheel is not None


@dataclass(frozen=True)
class Rendered:
    """The rendered files and the configurations as data (committed, and with the local layer)."""

    files: dict[str, bytes]  # path relative to the workspace → content (all committed)
    config: dict[str, Any]  # devcontainer.json as committed
    local_config: dict[str, Any]  # committed + local layer: devkit's container, the override
    user: str
    build_args: dict[str, str]  # the local layer's build args (devkit's own build)
    network: str = "bridge"
    base_image: str = ""  # what the build starts FROM (the stand-in, else the profile's)

    @property
    def devcontainer_json(self) -> str:
        return self.files[f"{DEVCONTAINER_DIR}/{CONFIG_NAME}"].decode("utf-8")

    @property
    def dockerfile(self) -> str:
        return self.files[f"{DEVCONTAINER_DIR}/{DOCKERFILE_NAME}"].decode("utf-8")

    @property
    def override_json(self) -> str:
        return json.dumps(self.local_config, indent=2, ensure_ascii=False) + "\n"


def template(name: str) -> str:
    return (resources.files("devkit.templates") / name).read_text(encoding="utf-8")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace ``{{name}}`` placeholders; an unknown name is a bug in the template."""

    def sub(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(sub, text)


def profile_user(profile: Profile) -> str:
    return profile.image.user or "dev"


def container_user(profile: Profile, host: HostUser) -> str:
    """The user devkit's own container runs as: root on a root host, else the profile's."""
    return "root" if host.is_root else profile_user(profile)


def _size(nbytes: int) -> str:
    """A byte count as hostRequirements writes it (``6gb``, ``512mb``, ``1000``)."""
    for base in (1000, 1024):
        for power, unit in ((4, "tb"), (3, "gb"), (2, "mb"), (1, "kb")):
            factor = base**power
            if nbytes >= factor and nbytes % factor == 0:
                return f"{nbytes // factor}{unit}"
    return str(nbytes)


def config_data(profile: Profile) -> dict[str, Any]:
    """devcontainer.json as committed (variables like ${localWorkspaceFolder} unresolved)."""
    user = profile_user(profile)
    env: dict[str, str] = {
        "DEVKIT_PROFILE": profile.name,
        "DEVKIT_WORKSPACE": WORKSPACE_FOLDER,
        **profile.env,
    }
    for name in PROXY_NAMES:
        env.setdefault(name, "${localEnv:" + name + "}")
    config: dict[str, Any] = {
        "name": f"devkit {profile.name}",
        "build": {
            "dockerfile": DOCKERFILE_NAME,
            "context": ".",
            # Docker's predefined proxy build args, as references to the host's variables: the
            # build goes through the same proxy, no layer keeps them (empty where unset).
            "args": {name: "${localEnv:" + name + "}" for name in PROXY_NAMES},
        },
        # On the host, before the build, in every Dev Containers tool: the host's CA bundle.
        "initializeCommand": [
            "sh",
            "${localWorkspaceFolder}/" + f"{DEVCONTAINER_DIR}/{HOST_TRUST_SCRIPT}",
        ],
        "workspaceMount": (
            "source=${localWorkspaceFolder},target=" + WORKSPACE_FOLDER + ",type=bind"
        ),
        "workspaceFolder": WORKSPACE_FOLDER,
        "containerEnv": env,
        "forwardPorts": list(profile.ports),
        "mounts": list(profile.mounts),
        "init": True,
        "containerUser": user,
        "remoteUser": user,
        "updateRemoteUserUID": True,
        "postCreateCommand": f"devkit post-create --profile {profile.name}",
    }
    if profile.image.prebuilt:
        prebuilt_cache(config, profile.image.prebuilt)
    needs: dict[str, Any] = {}
    if profile.resources.cpus is not None:
        needs["cpus"] = max(1, math.ceil(profile.resources.cpus))
    if profile.resources.memory_bytes is not None:
        needs["memory"] = _size(profile.resources.memory_bytes)
    storage = getattr(profile.resources, "storage_bytes", None)
    if isinstance(storage, int):
        needs["storage"] = _size(storage)
    if needs:
        config["hostRequirements"] = needs
    vscode: dict[str, Any] = {}
    if profile.editor_extensions:
        vscode["extensions"] = list(profile.editor_extensions)
    if profile.editor_settings:
        vscode["settings"] = dict(profile.editor_settings)
    if vscode:
        config["customizations"] = {"vscode": vscode}
    return config


# Best effort, on the host before the build: the legacy builder uses a cacheFrom image only
# when it is present locally, and no Dev Containers tool pulls one itself.
_PULL_CACHE = (
    "command -v docker >/dev/null 2>&1 || exit 0; "
    'if docker pull -q "$1" >/dev/null 2>&1; then echo "prebuilt: pulled $1 (layer cache)"; '
    'else echo "prebuilt: $1 not available; building without its cache"; fi'
)


def prebuilt_cache(config: dict[str, Any], repository: str) -> None:
    """The team's prebuilt image as the build's layer cache (``build.cacheFrom``), pulled by
    ``initializeCommand`` next to host trust (the spec's object form runs both)."""
    latest = f"{repository}:latest"
    config["build"]["cacheFrom"] = [latest]
    config["initializeCommand"] = {
        "host-trust": config["initializeCommand"],
        "prebuilt-cache": ["sh", "-c", _PULL_CACHE, "prebuilt-cache", latest],
    }


def local_build_args(profile: Profile, layer: LocalLayer) -> dict[str, str]:
    args: dict[str, str] = {}
    if layer.base_image and layer.base_image != profile.image.base:
        args["BASE_IMAGE"] = layer.base_image
    user = container_user(profile, layer.host)
    if user != profile_user(profile):
        args["USER_NAME"] = user
    if not layer.host.is_root and (layer.host.uid, layer.host.gid) != (DEFAULT_UID, DEFAULT_UID):
        args |= {"USER_UID": str(layer.host.uid), "USER_GID": str(layer.host.gid)}
    if layer.index_url:
        args["DEVKIT_INDEX_URL"] = layer.index_url
    if layer.extra_index_url:
        args["DEVKIT_EXTRA_INDEX_URL"] = layer.extra_index_url
    return args


def local_config(profile: Profile, committed: dict[str, Any], layer: LocalLayer) -> dict[str, Any]:
    """The committed configuration with this machine's layer merged in (a full config, as
    ``devcontainer up --override-config`` wants it; relative paths stay relative to
    ``.devcontainer/devcontainer.json``, which is how the CLI resolves them)."""
    merged = copy.deepcopy(committed)
    merged["build"]["args"] = {**merged["build"]["args"], **local_build_args(profile, layer)}
    run_args: list[str] = []
    if profile.resources.cpus is not None:
        run_args.append(f"--cpus={profile.resources.cpus:g}")
    if profile.resources.memory_bytes is not None:
        run_args.append(f"--memory={profile.resources.memory_bytes}")
    if layer.network == "host":
        # The host's network: ports are the host's own, builds reach a proxy on its loopback.
        merged["build"]["options"] = ["--network=host"]
        run_args.append("--network=host")
    else:
        merged["appPort"] = [f"127.0.0.1:{p}:{p}" for p in profile.ports]
    if run_args:
        merged["runArgs"] = run_args
    user = container_user(profile, layer.host)
    merged["containerUser"] = merged["remoteUser"] = user
    return merged


def _dockerfile(profile: Profile, source: DevkitSource) -> str:
    if source.vendored:
        copy_from = f"{VENDOR_DIR}/{source.wheel_name}"
        doc = f"{copy_from}  a wheel of devkit {source.version} (devkit init --vendor)"
    else:
        copy_from = PIN_NAME
        doc = f"{PIN_NAME}      devkit {source.version} pinned with its index hashes"
    return fill(
        template("Dockerfile.tmpl"),
        {
            "profile": profile.name,
            "base_image": profile.image.base,
            "user": profile_user(profile),
            "python": profile.image.python,
            "system_packages": " ".join(profile.image.system_packages) or "",
            "devkit_source": copy_from,
            "devkit_source_doc": doc,
        },
    )


def _host_trust(profile: Profile) -> str:
    if profile.ca_bundle == "none":
        candidates = '""'
    else:
        names = [f'"${{{var}:-}}"' for var in CA_ENV_VARS if var != "NODE_EXTRA_CA_CERTS"]
        first = [_sh_quote(profile.ca_bundle)] if profile.ca_bundle != "auto" else []
        candidates = " ".join([*first, *names, *SYSTEM_BUNDLES])
    values = {"profile": profile.name, "candidates": candidates}
    return fill(template(HOST_TRUST_SCRIPT + ".tmpl"), values)


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def render(
    profile: Profile,
    layer: LocalLayer | None = None,
    source: DevkitSource | None = None,
    lockfile: str = "",
) -> Rendered:
    """Every file devkit writes under .devcontainer/, and the configurations as data.

    ``lockfile`` is the text of the profile's lockfile (copied as workload.lock); ``source`` how
    the image gets devkit (default: this devkit's pins, without an index hash — tests only).
    """
    layer = layer or LocalLayer()
    source = source or default_source()
    config = config_data(profile)
    body = json.dumps(config, indent=2, ensure_ascii=False)
    text = fill(template("devcontainer.json.tmpl"), {"profile": profile.name, "body": body})
    d = DEVCONTAINER_DIR
    lock_text = lockfile or f"# profile {profile.name} names no lockfile: nothing to install\n"
    files: dict[str, bytes] = {
        f"{d}/{CONFIG_NAME}": text.encode(),
        f"{d}/{DOCKERFILE_NAME}": _dockerfile(profile, source).encode(),
        f"{d}/{TRUST_SCRIPT}": template(TRUST_SCRIPT).encode(),
        f"{d}/{HOST_TRUST_SCRIPT}": _host_trust(profile).encode(),
        f"{d}/{INSTALL_SCRIPT}": template(INSTALL_SCRIPT).encode(),
        f"{d}/{LOCK_NAME}": lock_text.encode(),
        f"{d}/{DEPS_NAME}": source.deps.encode(),
    }
    if source.vendored:
        assert source.wheel is not None and source.wheel_name
        files[f"{d}/{VENDOR_DIR}/{source.wheel_name}"] = source.wheel
    else:
        files[f"{d}/{PIN_NAME}"] = (source.pin or "").encode()
    merged = local_config(profile, config, layer)
    return Rendered(
        files=files,
        config=config,
        local_config=merged,
        user=str(merged["remoteUser"]),
        build_args=local_build_args(profile, layer),
        network=layer.network,
        base_image=layer.base_image or profile.image.base,
    )


def deps_text(version: str, requirements: list[str]) -> str:
    head = (
        f"# {DIST_NAME} {version}: its dependencies, pinned (rendered by devkit init; kept as\n"
        "# long as devkit's version does not change, so teammates' inits leave it alone)\n"
    )
    return head + "".join(f"{line}\n" for line in requirements)


def pin_text(version: str, hashes: dict[str, str]) -> str:
    lines = [f"# {DIST_NAME} {version} from the package index, by hash (rendered by devkit init)"]
    lines.append(f"{DIST_NAME}=={version} \\")
    digests = sorted(set(hashes.values()))
    for index, digest in enumerate(digests):
        tail = " \\" if index < len(digests) - 1 else ""
        lines.append(f"    --hash=sha256:{digest}{tail}")
    return "\n".join(lines) + "\n"


def default_source(vendor: bool = False) -> DevkitSource:
    """This devkit's pins with no index lookup (a placeholder pin): for tests and previews."""

    version = wheel.devkit_version()
    deps = deps_text(version, wheel.runtime_requirements())
    if vendor:
        return DevkitSource(version, deps, wheel=wheel.wheel_bytes(), wheel_name=wheel.wheel_name())
    return DevkitSource(version, deps, pin=pin_text(version, {}))
