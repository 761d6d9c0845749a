"""The image step: build the dev image unless one with the same input hash already exists."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.container import labels as L
from devkit.container import wheel
from devkit.container.context import ImageInputs
from devkit.container.engine import (
    ImageInfo,
    build_image,
    connect,
    ensure_base_image,
    image_info,
    images_with_label,
)
from devkit.container.render import CONFIG_NAME, DEVCONTAINER_DIR, DOCKERFILE_NAME
from devkit.container.trust import (
    LOCAL_DIR,
    local_bundle_current,
    proxy_settings,
    redact_proxy,
    write_local_bundle,
)
from devkit.core.plan import StepContext, StepResult


class PendingClient:
    """An engine client being made (and checked) by ``task`` on a thread of its own, while the
    caller goes on; ``result()`` waits for it and raises what the task raised. The thread is
    not a daemon: an exit waits for it, so what it writes (the proof's marker) is cleaned up."""

    def __init__(self, task: Callable[[], Any]) -> None:
        self._client: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(task,), name="devkit-engine")
        self._thread.start()

    def _run(self, task: Callable[[], Any]) -> None:
        try:
            self._client = task()
        except BaseException as exc:  # handed to the thread that waits
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._client


class DockerHandle:
    """Connects to the engine on first use, once per plan (or waits for a pending client)."""

    def __init__(self, client: Any = None) -> None:
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect()
        elif isinstance(self._client, PendingClient):
            self._client = self._client.result()
        return self._client


class ImageTarget:
    """The image a plan wants: its inputs, hash and tag, computed once."""

    def __init__(self, inputs: ImageInputs, docker: DockerHandle) -> None:
        self.inputs = inputs
        self.docker = docker
        self._hash: str | None = None
        self.image_id: str | None = None

    @property
    def profile_name(self) -> str:
        return self.inputs.profile.name

    def base_id(self) -> str | None:
        found = image_info(self.docker.client, self.inputs.base_image)
        return found.id if found else None

    def content_hash(self, base_id: str | None = None) -> str | None:
        if self._hash is None:
            base_id = base_id or self.base_id()
            if base_id is None:
                return None
            self._hash = self.inputs.content_hash(base_id)
        return self._hash

    @property
    def repository(self) -> str:
        return f"devkit-{self.profile_name}"

    def tag_for(self, digest: str) -> str:
        return f"{self.repository}:{digest[:12]}"

    def existing(self) -> ImageInfo | None:
        digest = self.content_hash()
        if digest is None:
            return None
        # Its own tag first: one lookup by name, where a label filter scans every image.
        tagged = image_info(self.docker.client, self.tag_for(digest))
        if tagged is not None and (tagged.labels or {}).get(L.IMAGE_HASH) == digest:
            return tagged
        found = images_with_label(self.docker.client, L.IMAGE_HASH, digest)
        return found[0] if found else None


def build_network(proxies: dict[str, str]) -> str | None:
    """Host networking for the build when a proxy listens on the host's loopback."""
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        value = proxies.get(key, "")
        host = value.split("://", 1)[-1].rsplit("@", 1)[-1].split(":", 1)[0].split("/", 1)[0]
        if host in ("localhost", "127.0.0.1", "::1", "[::1]"):
            return "host"
    return None


class ImageStep:
    id = "image"
    title = "Image"

    def __init__(self, target: ImageTarget, rebuild: bool = False) -> None:
        self.target = target
        self.rebuild = rebuild  # devkit init --rebuild: build again, ignoring the existing image

    def describe(self) -> list[str]:
        inputs = self.target.inputs
        digest = self.target.content_hash()
        if digest is None:
            return [
                f"build an image from base {inputs.base_image} "
                "(not present locally: it will be pulled)"
            ]
        bundle = inputs.ca_bundle or "none"
        return [
            f"build image {self.target.tag_for(digest)} from {inputs.base_image} "
            f"(Python {inputs.profile.image.python}, CA bundle {bundle}, "
            f"lockfile {inputs.profile.image.lockfile or 'none'})"
        ]

    def is_done(self) -> bool:
        if self.rebuild:
            return False
        found = self.target.existing()
        if found:
            self.target.image_id = found.id
        # The host's CA bundle in .devcontainer/.local/ too (what host-trust.sh writes).
        inputs = self.target.inputs
        return found is not None and local_bundle_current(inputs.context_dir, inputs.ca_bundle)

    def run(self, ctx: StepContext) -> StepResult:
        inputs = self.target.inputs
        context = inputs.context_dir
        if write_local_bundle(context, inputs.ca_bundle):
            where = inputs.ca_bundle or "none found (profile trust.ca_bundle, or no system bundle)"
            ctx.log(
                f"host trust: CA bundle {where} -> {DEVCONTAINER_DIR}/{LOCAL_DIR}/ (git-ignored)"
            )
        client = self.target.docker.client
        base_id = ensure_base_image(client, inputs.base_image, ctx.log)
        digest = self.target.content_hash(base_id)
        assert digest is not None
        found = None if self.rebuild else self.target.existing()
        if found:
            self.target.image_id = found.id
            return StepResult("image already built", {"image": self.target.tag_for(digest)})
        ctx.check_cancelled()
        proxies = proxy_settings()
        buildargs = dict(inputs.rendered.build_args)
        for key, value in buildargs.items():
            ctx.log(f"build arg {key}={value} (this machine's layer)")
        for key, value in proxies.items():
            buildargs[key] = value
            buildargs[key.lower()] = value
            ctx.log(f"build arg {key}={redact_proxy(value)} (not stored in the image)")
        image_labels = {
            L.IMAGE_HASH: digest,
            L.PROFILE: inputs.profile.name,
            L.VERSION: wheel.devkit_version(),
            **L.extra_labels(),
        }
        tag = self.target.tag_for(digest)
        dockerfile = context / DOCKERFILE_NAME
        if not dockerfile.is_file() or dockerfile.read_text("utf-8") != inputs.rendered.dockerfile:
            dockerfile = context / LOCAL_DIR / DOCKERFILE_NAME

            safefs.write_text(
                dockerfile, inputs.rendered.dockerfile, root=inputs.workspace, strict_from=context
            )
        ctx.log(f"building {tag} from {inputs.base_image} ({DEVCONTAINER_DIR}/{CONFIG_NAME})")
        image_id = build_image(
            client,
            context,
            Path(os.path.abspath(dockerfile)),
            tag,
            buildargs,
            image_labels,
            "host" if inputs.rendered.network == "host" else build_network(proxies),
            ctx.log,
            cancel=ctx.cancel,  # Esc / Ctrl+C stop the build itself, not just the next step
            nocache=self.rebuild,
        )
        self.target.image_id = image_id
        return StepResult(f"built {tag}", {"image": tag, "id": image_id, "hash": digest})
