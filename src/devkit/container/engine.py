"""The Docker SDK adapter: the only module that talks to the Docker Engine.

It connects to the engine the user's Docker CLI would use (``DOCKER_HOST`` first, then the
current Docker context, then the default socket), turns every failure into a NotReadyError with
a hint, and hands back small frozen records (``ContainerInfo``, ``ImageInfo``) rather than SDK
objects, so no caller reads the engine's raw inspect data.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.core.errors import DevkitError, NotReadyError
from devkit.core.plan import CancelledError
from devkit.core.records import dataclass

if TYPE_CHECKING:
    from devkit.container.spec import ContainerSpec


@dataclass(frozen=True)
class MountInfo:
    type: str  # "bind", "volume", "tmpfs"
    source: str
    destination: str
    read_only: bool


@dataclass(frozen=True)
class ContainerInfo:
    """What devkit reads of a container (from the engine's inspect data)."""

    id: str
    name: str
    status: str  # "running", "exited", "created", ...
    labels: Mapping[str, str]
    image_id: str
    mounts: tuple[MountInfo, ...] = ()
    workdir: str = ""
    user: str = ""

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]

    @property
    def running(self) -> bool:
        return self.status == "running"


@dataclass(frozen=True)
class ImageInfo:
    """What devkit reads of an image: its id, tags, registry digests, labels and creation."""

    id: str
    tags: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()  # "repo@sha256:…", from RepoDigests
    labels: Mapping[str, str] | None = None
    created: str = ""  # RFC 3339, as the engine reports it (UTC)

    @property
    def short_id(self) -> str:
        return self.id.removeprefix("sha256:")[:12]


def _strings(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _mounts(attrs: Mapping[str, Any]) -> tuple[MountInfo, ...]:
    return tuple(
        MountInfo(
            type=str(m.get("Type") or ""),
            source=str(m.get("Source") or ""),
            destination=str(m.get("Destination") or ""),
            read_only=not m.get("RW", True),
        )
        for m in attrs.get("Mounts") or []
        if isinstance(m, dict)
    )


def _brief_info(attrs: Mapping[str, Any]) -> ContainerInfo:
    """From the engine's container list (no Config there: no working folder, no user)."""
    names = attrs.get("Names") or []
    return ContainerInfo(
        id=str(attrs.get("Id") or ""),
        name=str(names[0] if names else "").lstrip("/"),
        status=str(attrs.get("State") or "unknown"),
        labels=_strings(attrs.get("Labels")),
        image_id=str(attrs.get("ImageID") or ""),
        mounts=_mounts(attrs),
    )


def _container_info(attrs: Mapping[str, Any]) -> ContainerInfo:
    config = attrs.get("Config") or {}
    state = attrs.get("State")
    status = state.get("Status") if isinstance(state, dict) else state
    mounts = _mounts(attrs)
    return ContainerInfo(
        id=str(attrs.get("Id") or ""),
        name=str(attrs.get("Name") or "").lstrip("/"),
        status=str(status or "unknown"),
        labels=_strings(config.get("Labels")),
        image_id=str(attrs.get("Image") or ""),
        mounts=mounts,
        workdir=str(config.get("WorkingDir") or ""),
        user=str(config.get("User") or ""),
    )


def _image_info(attrs: Mapping[str, Any]) -> ImageInfo:
    """From ``inspect_image`` (Config.Labels, RFC 3339 Created) or the image list (Labels,
    Created in epoch seconds)."""
    labels = attrs.get("Labels")
    if labels is None:
        labels = (attrs.get("Config") or {}).get("Labels")
    created = attrs.get("Created", "")
    if isinstance(created, int | float):
        created = datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ImageInfo(
        id=str(attrs.get("Id") or ""),
        tags=tuple(str(t) for t in attrs.get("RepoTags") or () if t != "<none>:<none>"),
        digests=tuple(str(d) for d in attrs.get("RepoDigests") or ()),
        labels=_strings(labels),
        created=str(created or ""),
    )


def _context_host() -> str | None:
    """The endpoint of the current Docker CLI context, when one other than default is set."""
    config_dir = Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker"))
    name = os.environ.get("DOCKER_CONTEXT")
    if not name:
        try:
            name = json.loads((config_dir / "config.json").read_text()).get("currentContext")
        except (OSError, ValueError):
            return None
    if not name or name == "default":
        return None
    meta_root = config_dir / "contexts" / "meta"
    for meta in meta_root.glob("*/meta.json"):
        try:
            data = json.loads(meta.read_text())
        except (OSError, ValueError):
            continue
        if data.get("Name") == name:
            host = data.get("Endpoints", {}).get("docker", {}).get("Host")
            return str(host) if host else None
    return None


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or _context_host() or "unix:///var/run/docker.sock"


def connect(timeout: int = 120) -> Any:
    """A docker.DockerClient that answered, or NotReadyError.

    The client asks the engine for its API version as it is made (no version is pinned), so
    that answer proves the engine is there: no separate ping."""
    import docker
    from docker.errors import DockerException

    address = engine_address()
    try:
        if os.environ.get("DOCKER_HOST") or address == "unix:///var/run/docker.sock":
            client = docker.from_env(timeout=timeout)
        else:
            client = docker.DockerClient(base_url=address, timeout=timeout)
    except (DockerException, OSError) as exc:
        reason = str(exc).split("\n")[0][:200]
        raise NotReadyError(
            f"Docker Engine not reachable at {address} ({reason})",
            "start Docker (e.g. 'sudo systemctl start docker', or scripts/engine.sh in a devkit "
            "checkout), "
            "or point DOCKER_HOST at a running engine",
        ) from None
    return client


def engine_version(client: Any) -> dict[str, str]:
    info = client.version()
    return {
        "version": str(info.get("Version", "?")),
        "api": str(info.get("ApiVersion", "?")),
        "os": f"{info.get('Os', '?')}/{info.get('Arch', '?')}",
    }


def _reason(exc: BaseException) -> str:
    explanation = getattr(exc, "explanation", None)
    text = str(explanation or exc)
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__


def engine_arch(client: Any) -> str:
    return str(client.version().get("Arch", "amd64"))


def image_info(client: Any, ref: str) -> ImageInfo | None:
    """An image by reference or id, or None when it is not present locally."""
    from docker.errors import ImageNotFound, NullResource

    if not ref:
        return None
    try:
        return _image_info(client.api.inspect_image(ref))
    except (ImageNotFound, NullResource):
        return None


def ensure_base_image(client: Any, ref: str, log: Callable[[str], None]) -> str:
    """The id of base image ``ref``: local if present, else pulled; NotReadyError otherwise."""
    from docker.errors import APIError, DockerException

    found = image_info(client, ref)
    if found:
        return found.id
    repo, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "latest")
    log(f"base image {ref} is not present locally; pulling it")
    try:
        for _ in client.api.pull(repo, tag=tag, stream=True, decode=True):
            pass
    except (APIError, DockerException, OSError) as exc:
        raise NotReadyError(
            f"base image '{ref}' is not present locally and no registry was reachable "
            f"({_reason(exc)})",
            f"pull '{ref}' on a machine with registry access (docker pull / docker load), or pass "
            "--base-image with an image present locally (e.g. one built by scripts/base-image.sh)",
        ) from None
    found = image_info(client, ref)
    if not found:
        raise NotReadyError(
            f"base image '{ref}' could not be pulled", "pass --base-image with a local image"
        )
    return found.id


def images_with_label(client: Any, key: str, value: str) -> list[ImageInfo]:
    return [_image_info(i) for i in client.api.images(filters={"label": f"{key}={value}"})]


_VANISHED_LAYER = ("unknown parent image id", "no such image")


def build_image(
    client: Any,
    context: Path,
    dockerfile: Path,
    tag: str,
    buildargs: dict[str, str],
    labels: dict[str, str],
    network_mode: str | None,
    log: Callable[[str], None],
    cancel: threading.Event | None = None,
    nocache: bool = False,
) -> str:
    """Build (see ``_build_once``); retried once when a cached layer vanished mid-build.

    On a shared engine another process may remove an untagged intermediate image that the
    classic builder had just picked as cache; a second attempt simply builds that layer again.
    ``cancel`` stops the build within a fraction of a second (see ``_build_once``);
    ``nocache`` builds every layer again (``devkit init --rebuild``).
    """
    args = (client, context, dockerfile, tag, buildargs, labels, network_mode, log)
    try:
        return _build_once(*args, cancel=cancel, nocache=nocache)
    except NotReadyError as exc:
        if not any(marker in exc.what.lower() for marker in _VANISHED_LAYER):
            raise
        log("a cached layer vanished during the build (removed by another process); retrying")
        return _build_once(*args, cancel=cancel, nocache=nocache)


def _hang_up_when_cancelled(stream: Any, cancel: threading.Event, done: threading.Event) -> None:
    """Cancellation hook: when ``cancel`` is set during the build, shut the streaming HTTP
    connection down. That wakes the read blocked on the next line, and the engine, seeing
    its client gone, stops the build and removes its intermediate container (forcerm)."""
    import socket

    while not done.wait(0.05):
        if not cancel.is_set():
            continue
        frame = getattr(stream, "gi_frame", None)
        response = frame.f_locals.get("response") if frame is not None else None
        raw = getattr(response, "raw", None)
        sock = getattr(getattr(raw, "_connection", None), "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
            elif response is not None:
                response.close()
        except OSError:
            pass
        return


def _build_once(
    client: Any,
    context: Path,
    dockerfile: Path,
    tag: str,
    buildargs: dict[str, str],
    labels: dict[str, str],
    network_mode: str | None,
    log: Callable[[str], None],
    cancel: threading.Event | None = None,
    nocache: bool = False,
) -> str:
    """Build with the low-level API, streaming lines to ``log``; returns the image id.

    When ``cancel`` is set the build stops (the connection is hung up, see
    ``_hang_up_when_cancelled``) and CancelledError is raised; the tag is never applied."""
    from docker.errors import APIError, DockerException

    last: list[str] = []
    instruction = ""
    image_id = ""
    done = threading.Event()
    try:
        stream = client.api.build(
            path=str(context),
            dockerfile=str(dockerfile),
            tag=tag,
            buildargs=buildargs,
            labels=labels,
            network_mode=network_mode,
            rm=True,
            forcerm=True,
            decode=True,
            nocache=nocache,
        )
        if cancel is not None:
            watcher = threading.Thread(
                target=_hang_up_when_cancelled, args=(stream, cancel, done), daemon=True
            )
            watcher.start()
        for chunk in stream:
            if cancel is not None and cancel.is_set():
                break
            if "error" in chunk:
                raise BuildFailed(str(chunk.get("error", "")).strip())
            text = str(chunk.get("stream", "") or chunk.get("status", ""))
            aux = chunk.get("aux")
            if isinstance(aux, dict) and aux.get("ID"):
                image_id = str(aux["ID"])
            for line in text.splitlines():
                if not line.strip():
                    continue
                if line.startswith("Step ") and " : " in line:
                    instruction = line.split(" : ", 1)[1]
                last = [*last[-29:], line]
                log(line)
    except BuildFailed as exc:
        if cancel is not None and cancel.is_set():
            raise CancelledError("cancelled", "run the command again to finish") from None
        raise _build_error(str(exc), instruction, last) from None
    except Exception as exc:
        if cancel is not None and cancel.is_set():  # the hang-up ended the read
            raise CancelledError("cancelled", "run the command again to finish") from None
        if isinstance(exc, APIError | DockerException | OSError):
            raise _build_error(_reason(exc), instruction, last) from None
        raise
    finally:
        done.set()
    if cancel is not None and cancel.is_set():
        raise CancelledError("cancelled", "run the command again to finish")
    if not image_id:
        found = image_info(client, tag)
        image_id = found.id if found else ""
    return image_id


class BuildFailed(Exception):
    pass


def _build_error(message: str, instruction: str, last: list[str]) -> DevkitError:
    tail = "\n".join(f"    {line}" for line in last[-12:])
    where = f" at '{instruction}'" if instruction else ""
    text = f"image build failed{where}: {message}"
    if tail:
        text += f"\n  last lines of the build:\n{tail}"
    if "network bridge" in message.lower() or "bridge docker0" in message.lower():
        return NotReadyError(
            text, "the engine's bridge network is unusable here: run again with --network host"
        )
    if "no space left on device" in message.lower():
        return NotReadyError(
            text, "the disk is full: free space (e.g. 'docker system prune') and run again"
        )
    return NotReadyError(
        text, "fix the cause shown above (the profile, the lockfile or the network), then run again"
    )


def list_containers(
    client: Any,
    labels: Mapping[str, str] | None = None,
    publish: int | None = None,
    running_only: bool = False,
    brief: bool = False,
) -> list[ContainerInfo]:
    """Containers (stopped ones too unless ``running_only``) carrying every label of
    ``labels`` and, when given, publishing host port ``publish``; newest first.

    ``brief``: read from the engine's list alone, one request rather than one more per
    container; every field but ``workdir`` and ``user`` (left empty)."""
    filters: dict[str, Any] = {}
    if labels:
        filters["label"] = [f"{k}={v}" for k, v in labels.items()]
    if publish is not None:
        filters["publish"] = str(publish)
    if brief:
        listed = client.api.containers(all=not running_only, filters=filters)
        return [_brief_info(c) for c in listed if isinstance(c, dict)]
    found = client.containers.list(all=not running_only, filters=filters, ignore_removed=True)
    return [_container_info(c.attrs) for c in found]


def containers_with_labels(client: Any, labels: Mapping[str, str]) -> list[ContainerInfo]:
    return list_containers(client, labels)


def create_and_start(client: Any, spec: ContainerSpec) -> ContainerInfo:
    """Create and start the container; on any failure nothing is left behind."""
    from docker.errors import APIError, DockerException
    from docker.types import Mount as DockerMount

    mounts = [
        DockerMount(m.target, m.source, type=m.type, read_only=m.read_only) for m in spec.mounts
    ]
    ports = {f"{p.container_port}/tcp": (p.host_ip, p.host_port) for p in spec.ports}
    kwargs: dict[str, Any] = {}
    if spec.cpus:
        kwargs["nano_cpus"] = int(spec.cpus * 1e9)
    if spec.memory_bytes:
        kwargs["mem_limit"] = spec.memory_bytes
    if spec.network_mode:
        kwargs["network_mode"] = spec.network_mode
        if spec.network_mode == "host":
            ports = {}
    container = None
    try:
        container = client.containers.create(
            spec.image,
            command=["sleep", "infinity"],
            name=spec.name,
            user=spec.user,
            working_dir=spec.workdir,
            environment=spec.env,
            labels=spec.labels,
            mounts=mounts,
            ports=ports,
            init=spec.init,
            detach=True,
            **kwargs,
        )
        container.start()
        container.reload()
        return _container_info(container.attrs)
    except (APIError, DockerException, OSError) as exc:
        if container is not None:
            remove_container(client, container.id)
        raise _start_error(exc, spec) from None


def _start_error(exc: BaseException, spec: ContainerSpec) -> DevkitError:
    reason = _reason(exc)
    lowered = reason.lower()
    if "port is already allocated" in lowered or "address already in use" in lowered:
        ports = ", ".join(f"{p.host_ip}:{p.host_port}" for p in spec.ports)
        return NotReadyError(
            f"a port the profile publishes is already in use ({ports}): {reason}",
            "stop what listens there (see 'ss -ltnp'), or change 'ports' in the profile",
        )
    if "network bridge" in lowered or "bridge docker0" in lowered:
        return NotReadyError(
            f"could not start the dev container: {reason}",
            "the engine's bridge network is unusable here: run again with --network host",
        )
    if "conflict" in lowered and "name" in lowered:
        return NotReadyError(
            f"a container named {spec.name} already exists and is not devkit's: {reason}",
            f"remove it with 'docker rm -f {spec.name}' and run again",
        )
    return NotReadyError(f"could not start the dev container: {reason}", "see the Docker log")


def start_container(client: Any, container_id: str) -> None:
    """Start a stopped container; NotReadyError when the engine cannot."""
    from docker.errors import APIError, DockerException

    try:
        client.api.start(container_id)
    except (APIError, DockerException, OSError) as exc:
        raise NotReadyError(
            f"could not start container {container_id[:12]}: {_reason(exc)}",
            "see 'docker logs' of the container, or run 'devkit init --rebuild'",
        ) from None


def remove_container(client: Any, container_id: str) -> None:
    """Remove a container, running or not; one that is already gone is fine."""
    from docker.errors import NotFound

    with contextlib.suppress(NotFound):
        client.api.remove_container(container_id, force=True)


def stop_and_remove(client: Any, container_id: str, timeout: int = 5) -> None:
    from docker.errors import APIError, NotFound

    try:
        client.api.stop(container_id, timeout=timeout)
    except NotFound:
        return
    except APIError:
        pass
    remove_container(client, container_id)


def exec_stream(
    client: Any,
    container_id: str,
    cmd: list[str],
    user: str,
    workdir: str,
    on_line: Callable[[str], None],
    env: dict[str, str] | None = None,
) -> int:
    """Run ``cmd`` in the container, passing each output line to ``on_line``; its exit code."""
    from docker.errors import APIError, DockerException

    try:
        exec_id = client.api.exec_create(
            container_id, cmd, user=user, workdir=workdir, environment=env or None
        )["Id"]
        pending = b""
        for chunk in client.api.exec_start(exec_id, stream=True):
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                on_line(line.decode("utf-8", "replace").rstrip("\r"))
        if pending:
            on_line(pending.decode("utf-8", "replace"))
        code = client.api.exec_inspect(exec_id).get("ExitCode")
    except (APIError, DockerException, OSError) as exc:
        raise NotReadyError(
            f"could not run {' '.join(cmd)} in the container: {_reason(exc)}",
            "check that the container is running ('devkit status') and run again",
        ) from None
    return int(code if code is not None else 1)


def bridge_usable(client: Any) -> bool:
    """Whether containers can join the engine's default bridge.

    False when the engine runs without one (``dockerd --bridge=none``, as CI engines here do) or,
    for a local engine, when the bridge's interface is gone from this host.
    """
    try:
        found = client.api.networks(names=["bridge"])
    except Exception:
        return True
    bridges = [n for n in found if n.get("Name") == "bridge"]
    if not bridges:
        return False
    iface = (bridges[0].get("Options") or {}).get("com.docker.network.bridge.name")
    local = engine_address().startswith("unix://")
    if iface and local and Path("/sys/class/net").is_dir():
        return Path("/sys/class/net", iface).exists()
    return True


def read_through_bind(
    client: Any,
    image: str,
    source: str,
    target: str,
    rel: str,
    labels: dict[str, str],
    timeout: int = 60,
) -> tuple[str | None, str]:
    """What a throwaway container from ``image`` reads at ``target/rel`` with ``source`` bound
    read-only at ``target``: (content, "") or (None, why not). The container has no network
    and is removed whatever happens."""
    from docker.errors import APIError, DockerException
    from docker.types import Mount as DockerMount

    container = None
    try:
        container = client.containers.create(
            image,
            entrypoint=["cat"],
            command=[f"{target.rstrip('/')}/{rel}"],
            user="0",
            labels=labels,
            mounts=[DockerMount(target, source, type="bind", read_only=True)],
            network_mode="none",
            detach=True,
        )
        container.start()
        status = container.wait(timeout=timeout)
        out = container.logs(stdout=True, stderr=True).decode("utf-8", "replace")
        code = int((status or {}).get("StatusCode", 1))
        if code != 0:
            return None, out.strip().splitlines()[-1][:200] if out.strip() else f"exit {code}"
        return out, ""
    except (APIError, DockerException, OSError) as exc:
        return None, _reason(exc)
    except Exception as exc:  # requests' ReadTimeout and the like: never a traceback
        return None, f"{type(exc).__name__}: {exc}"[:200]
    finally:
        if container is not None:
            remove_container(client, container.id)


def read_in_container(client: Any, container_id: str, path: str) -> tuple[str | None, str]:
    """What ``cat path`` prints inside a running container (as root, no shell):
    (content, "") or (None, why not)."""
    from docker.errors import APIError, DockerException

    try:
        exec_id = client.api.exec_create(container_id, ["cat", path], user="0")["Id"]
        out = client.api.exec_start(exec_id)
        code = client.api.exec_inspect(exec_id).get("ExitCode")
    except (APIError, DockerException, OSError) as exc:
        return None, _reason(exc)
    except Exception as exc:  # requests' ReadTimeout and the like: never a traceback
        return None, f"{type(exc).__name__}: {exc}"[:200]
    text = out.decode("utf-8", "replace") if isinstance(out, bytes) else str(out or "")
    if code != 0:
        return None, text.strip().splitlines()[-1][:200] if text.strip() else f"exit {code}"
    return text, ""


# --- registries: pull, tag, push (credentials: Docker's own config, helpers, or auth_config) ---

_AUTH_MARKERS = re.compile(
    r"unauthorized|authentication required|no basic auth credentials|denied|\b40[13]\b"
)
_PUSH_CHATTER = ("Preparing", "Waiting", "Pushing")


def is_auth_failure(reason: str) -> bool:
    """Whether a registry error means "not with these credentials" (a status code counts only
    as a word of its own: a content hash in the message may hold the digits 401)."""
    return _AUTH_MARKERS.search(reason.lower()) is not None


def docker_config_has_auth(registry: str) -> bool:
    """Whether Docker's config (``DOCKER_CONFIG`` or ``~/.docker``) has credentials or a
    credential helper for ``registry``; never reads a secret out."""
    from docker import auth

    try:
        config = auth.load_config()
    except Exception:  # an unreadable config means no credentials, like the Docker CLI
        return False
    if config.get_credential_store(registry):
        return True
    return bool(config.auths.get(registry) or config.auths.get(f"https://{registry}"))


def pull_image(
    client: Any, repository: str, tag: str, auth_config: dict[str, str] | None = None
) -> tuple[str | None, str]:
    """Pull ``repository:tag``: (image id, "") or (None, why not)."""
    from docker.errors import APIError, DockerException

    try:
        for chunk in client.api.pull(
            repository, tag=tag, stream=True, decode=True, auth_config=auth_config
        ):
            if isinstance(chunk, dict) and chunk.get("error"):
                return None, str(chunk["error"]).strip().splitlines()[0][:300]
    except (APIError, DockerException, OSError) as exc:
        return None, _reason(exc)
    found = image_info(client, f"{repository}:{tag}")
    return (found.id, "") if found else (None, "the engine reported no image")


def tag_image(client: Any, image: str, repository: str, tag: str) -> None:
    from docker.errors import APIError, DockerException

    try:
        client.api.tag(image, repository, tag=tag, force=True)
    except (APIError, DockerException, OSError) as exc:
        raise NotReadyError(
            f"could not tag {image} as {repository}:{tag}: {_reason(exc)}", "see the Docker log"
        ) from None


def push_image(
    client: Any,
    repository: str,
    tag: str,
    log: Callable[[str], None],
    auth_config: dict[str, str] | None = None,
) -> str:
    """Push ``repository:tag``; its registry digest. NotReadyError (exit 3) on failure, with
    ``docker login`` as the hint when the registry refused the credentials."""
    from docker.errors import APIError, DockerException

    registry = repository.split("/", 1)[0]
    digest = ""
    reason = ""
    try:
        for chunk in client.api.push(
            repository, tag=tag, stream=True, decode=True, auth_config=auth_config
        ):
            if not isinstance(chunk, dict):
                continue
            if chunk.get("error"):
                reason = str(chunk["error"]).strip().splitlines()[0][:300]
                break
            aux = chunk.get("aux")
            if isinstance(aux, dict) and aux.get("Digest"):
                digest = str(aux["Digest"])
            status = str(chunk.get("status", ""))
            if status and not chunk.get("progressDetail") and status not in _PUSH_CHATTER:
                layer = chunk.get("id")
                log(f"{layer}: {status}" if layer else status)
    except (APIError, DockerException, OSError) as exc:
        reason = _reason(exc)
    if reason:
        if is_auth_failure(reason):
            raise NotReadyError(
                f"the registry {registry} refused to let this machine push {repository}:{tag} "
                f"({reason})",
                f"log in with Docker's own tools first: docker login {registry} (or configure a "
                "credential helper in ~/.docker/config.json)",
            )
        raise NotReadyError(
            f"could not push {repository}:{tag}: {reason}",
            f"check that {registry} is reachable from this machine and accepts pushes",
        )
    return digest
