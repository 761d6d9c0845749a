"""A real Docker Engine and the local base image for tests, plus the cleanup of what tests make.

``ensure_engine()`` pings the engine from the environment (DOCKER_HOST, contexts via the
SDK's defaults) and, if it does not answer, runs ``scripts/engine.sh`` — the same script CI and
developers use — then pings again. ``ensure_base_image()`` does the same with
``scripts/base-image.sh``. Neither pulls from a registry: none is reachable in CI.

Every container, image, network and volume a test creates must carry ``TEST_LABELS``; the
session teardown removes those of this session (see ``cleanup_test_objects``). By hand:
``docker container prune -f --filter label=org.devkit.test=1`` (and image/network/volume).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "scripts"
BASE_IMAGE = os.environ.get("DEVKIT_TEST_BASE_IMAGE", "devkit-base:bookworm")

TEST_LABEL = "org.devkit.test"
SESSION_LABEL = "org.devkit.test.session"
SESSION_ID = uuid.uuid4().hex[:12]
SESSION_START = time.time()
# Put these on everything a test creates: TEST_LABEL marks it as disposable, SESSION_LABEL lets
# two pytest sessions share one engine without removing each other's objects.
TEST_LABELS: dict[str, str] = {TEST_LABEL: "1", SESSION_LABEL: SESSION_ID}
# Containers the reference devcontainer CLI (and devkit) make for a workspace carry this label;
# those whose workspace lies under pytest's temp dir are test objects too, labelled or not.
DEVCONTAINER_FOLDER_LABEL = "devcontainer.local_folder"


class EngineUnavailableError(RuntimeError):
    """No Docker Engine or base image could be had; the message says why."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def labels(**extra: str) -> dict[str, str]:
    """TEST_LABELS plus ``extra`` (keyword names use ``_`` for ``.``: org_example_x)."""
    return {**TEST_LABELS, **{k.replace("_", "."): v for k, v in extra.items()}}


def _run_script(name: str, *args: str, timeout: float) -> str:
    # The engine it may start gets the registry mirror scripts/test.sh gives it, also when
    # pytest runs on its own: an engine started without it stays up and fails the mirror
    # tests of a later full run.
    from support.registry import SHARED_PORT

    mirror = os.environ.get("DEVKIT_REGISTRY_MIRROR") or f"http://127.0.0.1:{SHARED_PORT}"
    try:
        proc = subprocess.run(
            ["bash", str(SCRIPTS / name), *args],
            env={**os.environ, "DEVKIT_REGISTRY_MIRROR": mirror},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise EngineUnavailableError(f"scripts/{name} took longer than {timeout:.0f}s") from exc
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise EngineUnavailableError(f"scripts/{name} failed ({proc.returncode}): {output}")
    return output


def _client() -> Any:
    import docker

    # Generous timeout: image builds and `docker import` of a rootfs take minutes, not seconds.
    return docker.from_env(timeout=600)


def ensure_engine() -> Any:
    """Return a ``docker.DockerClient`` that answers, starting the engine if needed."""
    import docker.errors

    try:
        client = _client()
        client.ping()
        return client
    except docker.errors.DockerException:
        pass
    _run_script("engine.sh", timeout=300)
    try:
        client = _client()
        client.ping()
    except docker.errors.DockerException as exc:
        raise EngineUnavailableError(
            f"engine.sh succeeded but the SDK cannot reach the engine: {exc}"
        ) from exc
    return client


def staging_digest(client: Any, ref: str) -> str:
    """The base image digest a staging build records (examples/staging-parity/): the registry
    digest when the image came from one (the first RepoDigest), else the image id."""
    attrs = client.images.get(ref).attrs
    repo_digests = attrs.get("RepoDigests") or []
    return str(repo_digests[0].split("@", 1)[1]) if repo_digests else str(attrs["Id"])


def ensure_base_image(client: Any, tag: str = BASE_IMAGE) -> str:
    """Return ``tag`` after making sure the image exists (building it once, ~1.5 min)."""
    import docker.errors

    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    _run_script("base-image.sh", tag, timeout=1200)
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound as exc:
        raise EngineUnavailableError(f"base-image.sh ran but {tag} is missing") from exc
    return tag


def build_image(client: Any, dockerfile: str, tag: str, **kwargs: Any) -> Any:
    """Build ``dockerfile`` (text, no context files) as ``tag`` with TEST_LABELS.

    rm/forcerm are on: docker-py leaves intermediate containers behind by default, and those
    carry no label the cleanup could find. Pass ``path=`` instead for a build with a context.
    """
    import io

    kwargs.setdefault("network_mode", "none")
    if "path" not in kwargs:
        kwargs["fileobj"] = io.BytesIO(dockerfile.encode())
    image, _logs = client.images.build(
        tag=tag,
        labels={**TEST_LABELS, **kwargs.pop("labels", {})},
        rm=True,
        forcerm=True,
        **kwargs,
    )
    return image


def run_container(
    client: Any,
    image: str,
    command: str | list[str],
    *,
    network_mode: str = "none",
    **kwargs: Any,
) -> tuple[int, str]:
    """Run ``command`` to completion in a labelled, removed-afterwards container.

    Returns (exit status, combined output). ``network_mode`` defaults to none; use "host" to
    reach a loopback server such as moto (tests never talk to bridge addresses).
    """
    container = client.containers.run(
        image,
        command,
        detach=True,
        network_mode=network_mode,
        labels={**TEST_LABELS, **kwargs.pop("labels", {})},
        **kwargs,
    )
    try:
        status = container.wait(timeout=300)
        output = container.logs(stdout=True, stderr=True).decode(errors="replace")
        return int(status["StatusCode"]), output
    finally:
        container.remove(force=True, v=True)


@dataclass
class CleanupReport:
    removed: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        done = ", ".join(f"{len(v)} {k}" for k, v in self.removed.items() if v) or "nothing"
        return f"removed {done}" + (f"; errors: {self.errors}" if self.errors else "")


def _created(attrs: Mapping[str, Any]) -> float:
    """Creation time from an object's attrs (Docker gives ISO 8601 with nanoseconds)."""
    stamp = str(attrs.get("Created") or attrs.get("CreatedAt") or "")
    try:
        return datetime.fromisoformat(stamp[:19]).replace(tzinfo=UTC).timestamp()
    except ValueError:
        return 0.0


def _is_ours(attrs: Mapping[str, Any], tmp_root: str | None) -> bool:
    obj_labels = attrs.get("Labels") or (attrs.get("Config") or {}).get("Labels") or {}
    session = obj_labels.get(SESSION_LABEL)
    if session is not None:
        return bool(session == SESSION_ID)
    if obj_labels.get(TEST_LABEL) == "1":
        # Labelled as a test object but not by session: ours if made since this session began.
        return _created(attrs) >= SESSION_START - 2
    folder = obj_labels.get(DEVCONTAINER_FOLDER_LABEL, "")
    return bool(tmp_root and (folder == tmp_root or folder.startswith(tmp_root.rstrip("/") + "/")))


def cleanup_test_objects(
    client: Any, tmp_root: Path | None = None, keep_images: Iterable[str] = (BASE_IMAGE,)
) -> CleanupReport:
    """Remove this session's test containers, images, networks and volumes.

    Ours: labelled with this SESSION_ID; or labelled TEST_LABEL=1 without a session and created
    since this session started; or a devcontainer whose workspace is under ``tmp_root``.
    Images in ``keep_images`` (the cached base image) are never removed.
    """
    import docker.errors

    report = CleanupReport()
    root = str(tmp_root) if tmp_root else None

    def attempt(kind: str, name: str, fn: Any) -> None:
        try:
            fn()
            report.removed.setdefault(kind, []).append(name)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            report.errors.append(f"{kind} {name}: {exc}")

    test_filter = {"label": TEST_LABEL}
    seen: dict[str, Any] = {}
    for flt in (test_filter, {"label": DEVCONTAINER_FOLDER_LABEL}):
        for c in client.containers.list(all=True, filters=flt):
            seen[c.id] = c
    for c in seen.values():
        if _is_ours(c.attrs, root):
            attempt("containers", c.name, lambda c=c: c.remove(force=True, v=True))

    for n in client.networks.list(filters=test_filter):
        if _is_ours(n.attrs, root):
            attempt("networks", n.name, n.remove)
    for v in client.volumes.list(filters=test_filter):
        if _is_ours(v.attrs, root):
            attempt("volumes", v.name, lambda v=v: v.remove(force=True))

    keep_ids = set()
    for tag in keep_images:
        with contextlib.suppress(docker.errors.ImageNotFound):
            keep_ids.add(client.images.get(tag).id)
    # Top-level images only, newest first: removing one also prunes its untagged parent layers,
    # and a child goes before a parent tagged separately.
    images = sorted(client.images.list(filters=test_filter), key=_created_key, reverse=True)
    for img in images:
        if img.id in keep_ids or not _is_ours(img.attrs, root):
            continue
        name = ",".join(img.tags) or img.short_id
        attempt("images", name, lambda i=img: _remove_image(client, i))
    return report


def _created_key(obj: Any) -> float:
    return _created(obj.attrs)


def _remove_image(client: Any, image: Any) -> None:
    import docker.errors

    for attempt in range(3):
        try:
            client.images.remove(image.id, force=True)
            return
        except docker.errors.APIError:
            if attempt == 2:
                raise
            time.sleep(0.5)  # a container that used it may still be going away
