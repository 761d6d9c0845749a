"""Prebuilt dev images: the init step that pulls one instead of building, and the publish
step that pushes one.

A prebuilt image is tagged ``REPO:<content hash>``, the hash devkit labels its images with
(``context.ImageInputs.content_hash``: the rendered build files, the local layer's build args,
the host's CA bundle and the base image's id). ``devkit init`` pulls ``REPO:<its own hash>``:
an image built from the very same inputs, so it is used exactly as a local build would be.
When the inputs differ (another lockfile, a stand-in base image, another UID) there is no such
tag, and the image step builds.
"""

from __future__ import annotations

from devkit.container import labels as L
from devkit.container.engine import (
    ensure_base_image,
    image_info,
    is_auth_failure,
    pull_image,
    push_image,
    tag_image,
)
from devkit.container.image_step import ImageTarget
from devkit.container.registry import LATEST, auth_for, registry_host
from devkit.core.errors import DevkitError
from devkit.core.plan import StepContext, StepResult


def _why_not(reason: str, repository: str) -> str:
    """One line for a failed pull."""
    lowered = reason.lower()
    if is_auth_failure(reason):
        return f"the registry refused the credentials (docker login {registry_host(repository)})"
    if "manifest unknown" in lowered or "not found" in lowered:
        return "the registry has no image for this environment's hash"
    return f"the pull failed: {reason}"


class PrebuiltPullStep:
    """Pull ``REPO:<hash>`` and tag it as the image devkit would have built."""

    id = "prebuilt"
    title = "Prebuilt image"

    def __init__(self, target: ImageTarget, repository: str) -> None:
        self.target = target
        self.repository = repository

    def describe(self) -> list[str]:
        digest = self.target.content_hash()
        tag = digest or "<hash>"
        return [f"pull {self.repository}:{tag} when the registry has it (else the image builds)"]

    def is_done(self) -> bool:
        return self.target.existing() is not None

    def run(self, ctx: StepContext) -> StepResult:
        client = self.target.docker.client
        inputs = self.target.inputs
        digest = self.target.content_hash(ensure_base_image(client, inputs.base_image, ctx.log))
        assert digest is not None
        if self.target.existing() is not None:
            return StepResult("the image is already here", {"pulled": False})
        ref = f"{self.repository}:{digest}"
        ctx.log(f"looking for {ref}")
        try:
            auth = auth_for(self.repository, ctx.log)
        except DevkitError as exc:
            return self._fallback(ctx, f"no credentials for the registry ({exc.what})")
        ctx.check_cancelled()
        image_id, reason = pull_image(client, self.repository, digest, auth)
        if image_id is None:
            return self._fallback(ctx, _why_not(reason, self.repository))
        found = image_info(client, image_id)
        labels = (found.labels if found else None) or {}
        if labels.get(L.IMAGE_HASH) != digest:
            return self._fallback(ctx, f"{ref} is not labelled with that hash (not devkit's)")
        tag = self.target.tag_for(digest)
        repo, _, short = tag.rpartition(":")
        tag_image(client, image_id, repo, short)
        self.target.image_id = image_id
        ctx.log(f"pulled {ref} as {tag}: nothing to build")
        return StepResult(f"pulled {ref}", {"pulled": True, "image": ref, "id": image_id})

    def _fallback(self, ctx: StepContext, why: str) -> StepResult:
        args = sorted(self.target.inputs.rendered.build_args)
        if args and "no image" in why:
            why += f" (this machine's build args {', '.join(args)} are part of it)"
        ctx.log(f"not pulled: {why}; the image step builds it")
        return StepResult(f"not pulled: {why}; building instead", {"pulled": False, "reason": why})


def pull_steps(target: ImageTarget, rebuild: bool = False) -> list[PrebuiltPullStep]:
    """The init plan's pull step, when the profile names a prebuilt image (not on --rebuild)."""
    repository = target.inputs.profile.image.prebuilt
    return [PrebuiltPullStep(target, repository)] if repository and not rebuild else []


class PushStep:
    """Tag the built image ``REPO:<hash>`` and ``REPO:latest`` and push both."""

    id = "push"
    title = "Push"

    def __init__(self, target: ImageTarget, repository: str) -> None:
        self.target = target
        self.repository = repository

    def describe(self) -> list[str]:
        digest = self.target.content_hash() or "<hash>"
        return [f"push {self.repository}:{digest} and {self.repository}:{LATEST}"]

    def is_done(self) -> bool:
        return False

    def run(self, ctx: StepContext) -> StepResult:
        client = self.target.docker.client
        digest = self.target.content_hash()
        image_id = self.target.image_id
        assert digest is not None and image_id, "the image step runs first"
        auth = auth_for(self.repository, ctx.log)
        pushed: dict[str, str] = {}
        for tag in (digest, LATEST):
            ctx.check_cancelled()
            tag_image(client, image_id, self.repository, tag)
            ctx.log(f"pushing {self.repository}:{tag}")
            pushed[tag] = push_image(client, self.repository, tag, ctx.log, auth)
        return StepResult(
            f"pushed {self.repository}:{digest} and :{LATEST}",
            {
                "repository": self.repository,
                "hash": digest,
                "tags": [f"{self.repository}:{t}" for t in pushed],
                "digest": pushed[digest],
                "id": image_id,
            },
        )
