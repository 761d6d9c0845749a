"""The dataset ``devkit post-create`` fetches, decided inside the container.

The S3 sample when credentials reach the container (the broker's socket answers; the opt-in host
config; or, in a cloud IDE with no broker, what the standard AWS chain finds — environment keys,
web identity, a container or instance role), always through the credentials guard; else
synthetic data, saying which and why. A sample the guard refuses (write-capable or unprovable
credentials) becomes synthetic data with the reason, unless ``--data sample`` was asked for.
``--data`` given to ``devkit init`` is honoured (recorded in state).
"""

from __future__ import annotations

import os
from pathlib import Path

from devkit.config.model import Profile
from devkit.container.credentials_mount import HOST_CONFIG_DIR
from devkit.core.errors import DevkitError, NotReadyError
from devkit.core.plan import Step, StepContext, StepResult
from devkit.credentials.client import fetch
from devkit.credentials.protocol import CONFIG_NAME, CONTAINER_DIR, SOCKET_NAME
from devkit.data import aws
from devkit.data.step import DataStep


def broker_answers() -> tuple[bool, str]:
    """Whether the credentials broker's socket is mounted and answers (no key is kept)."""
    config = os.environ.get("AWS_CONFIG_FILE", "")
    if config != f"{CONTAINER_DIR}/{CONFIG_NAME}" or not Path(config).is_file():
        return False, "no credentials broker is mounted in this container"
    try:
        fetch(f"{CONTAINER_DIR}/{SOCKET_NAME}", timeout=30)
    except DevkitError as exc:
        return False, f"the credentials broker does not answer ({exc.what})"
    return True, "read-only credentials reach the container through devkit's broker"


def host_config_mounted() -> bool:
    return os.environ.get("AWS_CONFIG_FILE", "").startswith(HOST_CONFIG_DIR + "/")


def chain_credentials(region: str | None) -> str | None:
    """What the standard AWS chain yields in this process (no broker), named for a person:
    e.g. "environment keys", "web identity", "container role"; None when it yields nothing."""
    return aws.credential_source(aws.session(region))


class ContainerDataStep:
    """The dataset, decided inside the container."""

    id = "data"
    title = "Dataset"

    def __init__(self, root: Path, profile: Profile, mode: str | None) -> None:
        self.root = root
        self.profile = profile
        self.mode = mode or "auto"
        self._choice: tuple[str, str] | None = None
        self._brokered = False

    def choice(self) -> tuple[str, str]:
        """(sample | synthetic | none, why)."""
        if self._choice is None:
            self._choice = self._decide()
        return self._choice

    def _decide(self) -> tuple[str, str]:
        data = self.profile.data
        if self.mode == "none" or data is None:
            return "none", "no dataset (--data none, or the profile declares none)"
        if self.mode == "synthetic":
            return "synthetic", "--data synthetic was chosen"
        if data.source is None:
            return "synthetic", f"profile '{self.profile.name}' names no S3 sample"
        if host_config_mounted():
            return "sample", "the host's AWS config is mounted read-only (--aws-config host)"
        ok, why = broker_answers()
        if ok:
            self._brokered = True
            return "sample", why
        found = chain_credentials(data.source.region)
        if found:
            return "sample", f"{why}; the AWS credential chain provides {found}"
        why = f"{why}, and the AWS credential chain provides no credentials"
        if self.mode == "sample":
            raise NotReadyError(
                f"--data sample, but {why}",
                "run 'devkit init --data sample' on a host with AWS credentials "
                "(it starts the broker), or use --data synthetic",
            )
        return "synthetic", why

    def inner(self) -> Step | None:
        kind, _ = self.choice()
        if kind == "none":
            return None
        # The broker's session *is* the role's narrowed one: the guard checks it is a session of
        # the profile's role instead of assuming the role again (role chaining, which the role's
        # read-only policy does not allow).
        step: Step = DataStep(
            self.root,
            self.profile,
            "sample" if kind == "sample" else "synthetic",
            brokered=self._brokered,
            synthetic_when_refused=self.mode != "sample",
        )
        return step

    def describe(self) -> list[str]:
        kind, why = self.choice()
        inner = self.inner()
        return [f"{kind}: {why}", *(inner.describe() if inner else [])]

    def is_done(self) -> bool:
        inner = self.inner()
        return inner is None or inner.is_done()

    def run(self, ctx: StepContext) -> StepResult:
        kind, why = self.choice()
        ctx.log(f"data: {kind}, because {why}")
        inner = self.inner()
        if inner is None:
            return StepResult(f"no data: {why}")
        result = inner.run(ctx)
        fallback = result.data.get("fallback")
        if fallback:
            kind, why = "synthetic", str(fallback)
            ctx.log(f"data: synthetic, because {why}")
        return StepResult(f"{kind} ({why}): {result.summary}", {**result.data, "why": why})
