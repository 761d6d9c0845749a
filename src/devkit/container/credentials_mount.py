"""What the dev container gets for AWS, decided once per plan: the broker, the host's config, or
nothing — and the init/down steps that start and stop the broker.

* ``broker`` (the default when the profile names a read-only role, the data mode may read the
  sample and the host has credentials): the broker's folder (``credentials/service.py``) is bound
  read-only at ``/run/devkit-aws`` and ``AWS_CONFIG_FILE`` names the config in it, whose
  ``credential_process`` asks the broker over the socket. No key is ever in the container's
  environment, its image, a label or a file it could keep.
* ``host-config`` (opt-in: ``devkit init --aws-config host``): the host's ``~/.aws`` bound
  read-only at ``/run/devkit-aws-host`` with ``AWS_CONFIG_FILE``/``AWS_SHARED_CREDENTIALS_FILE``
  naming it. The container then sees whatever the host's files hold (SSO caches, perhaps keys):
  a conscious choice, never the default.
* ``none``: ``--data synthetic``/``none``, no role, or no credentials on the host.

``AWS_ENDPOINT_URL*``, the region and ``AWS_EC2_METADATA_DISABLED`` are passed through when the
host sets them: they are not secret. ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN`` and ``AWS_PROFILE`` never are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from devkit.container.spec import Mount
from devkit.core.errors import DevkitError
from devkit.core.plan import StepContext, StepResult
from devkit.credentials.protocol import CONFIG_NAME, CONTAINER_DIR
from devkit.credentials.service import broker_pid, runtime_dir, start_broker, stop_broker
from devkit.data import aws

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.workspace import Workspace

HOST_CONFIG_DIR = "/run/devkit-aws-host"
MANAGED_TARGETS = frozenset({CONTAINER_DIR, HOST_CONFIG_DIR})
AWS_MODES = ("broker", "host", "none")
_PASS_THROUGH = ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_EC2_METADATA_DISABLED")


def passthrough_env(env: Mapping[str, str]) -> dict[str, str]:
    """The non-secret AWS settings of the host the container should share."""
    found = {k: v for k, v in env.items() if k.startswith("AWS_ENDPOINT_URL") and v}
    found |= {k: env[k] for k in _PASS_THROUGH if env.get(k)}
    return found


class AwsAccess:
    """The plan's one decision about AWS in the container (lazy: asks boto3 only when needed)."""

    def __init__(
        self,
        ws: Workspace,
        profile: Profile,
        data_mode: str | None,
        aws_config: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.ws = ws
        self.profile = profile
        self.data_mode = data_mode
        self.aws_config = aws_config or "broker"
        self.env = dict(os.environ if env is None else env)
        self._mode: str | None = None
        self.reason = ""
        self.failed = False

    @property
    def role_arn(self) -> str | None:
        source = self.profile.data.source if self.profile.data else None
        return source.role_arn if source else None

    def mode(self) -> str:
        if self._mode is None:
            self._mode, self.reason = self._decide()
        return "none" if self.failed else self._mode

    def _decide(self) -> tuple[str, str]:
        if self.aws_config == "none":
            return "none", "--aws-config none"
        if self.data_mode in ("synthetic", "none"):
            return "none", f"--data {self.data_mode}: the container needs no AWS access"
        if self.aws_config == "host":
            home = Path(self.env.get("HOME") or Path.home()) / ".aws"
            if not home.is_dir():
                return "none", f"--aws-config host, but {home} does not exist"
            return "host", f"--aws-config host: {home} mounted read-only (opt-in)"
        if self.profile.data is None or self.profile.data.source is None:
            return "none", f"profile '{self.profile.name}' reads no S3 sample"
        if not self.role_arn:
            return "none", (
                f"profile '{self.profile.name}' names no read-only role; "
                "long-lived keys are never handed to a container"
            )

        region = self.profile.data.source.region
        if not aws.has_credentials(aws.session(region)):
            return "none", "no AWS credentials on the host (the container gets synthetic data)"
        return "broker", f"read-only sessions for {self.role_arn} through the credentials broker"

    def host_folder(self) -> Path:
        return runtime_dir(self.ws)

    def mounts(self) -> list[Mount]:
        mode = self.mode()
        if mode == "broker":
            return [Mount(str(self.host_folder()), CONTAINER_DIR, "bind", read_only=True)]
        if mode == "host":
            home = Path(self.env.get("HOME") or Path.home()) / ".aws"
            return [Mount(str(home), HOST_CONFIG_DIR, "bind", read_only=True)]
        return []

    def container_env(self) -> dict[str, str]:
        mode = self.mode()
        if mode == "none":
            return {}
        env = passthrough_env(self.env)
        if mode == "broker":
            env["AWS_CONFIG_FILE"] = f"{CONTAINER_DIR}/{CONFIG_NAME}"
            # Never fall back to a credentials file the image might carry.
            env["AWS_SHARED_CREDENTIALS_FILE"] = f"{CONTAINER_DIR}/no-credentials-file"
        else:
            env["AWS_CONFIG_FILE"] = f"{HOST_CONFIG_DIR}/config"
            env["AWS_SHARED_CREDENTIALS_FILE"] = f"{HOST_CONFIG_DIR}/credentials"
            if self.env.get("AWS_PROFILE"):
                env["AWS_PROFILE"] = self.env["AWS_PROFILE"]  # a name, not a secret
        return env

    def step_needed(self) -> bool:
        """Whether init has a broker to start, or one of this workspace's to stop."""
        return self.mode() == "broker" or broker_pid(self.host_folder()) is not None

    def wanted_targets(self) -> set[str]:
        return {m.target for m in self.mounts()}


class CredentialsStep:
    """`devkit init`: start (or keep) the workspace's broker when the container should get one."""

    id = "credentials"
    title = "AWS credentials for the container"

    def __init__(self, access: AwsAccess) -> None:
        self.access = access

    def describe(self) -> list[str]:
        mode = self.access.mode()
        if mode == "broker":
            return [f"start the read-only credentials broker ({self.access.reason})"]
        return [f"no broker: {self.access.reason}"]

    def _running(self) -> bool:
        return broker_pid(self.access.host_folder(), self.access.profile.name) is not None

    def is_done(self) -> bool:
        return self._running() == (self.access.mode() == "broker")

    def run(self, ctx: StepContext) -> StepResult:
        mode = self.access.mode()
        if mode != "broker":
            if stop_broker(self.access.ws):
                ctx.log("stopped the credentials broker this workspace no longer needs")
            return StepResult(f"no broker: {self.access.reason}", {"mode": mode})
        try:
            folder = start_broker(self.access.ws, self.access.profile)
        except DevkitError as exc:
            if self.access.data_mode == "sample":
                raise
            # auto: the container works without AWS; post-create falls back to synthetic data.
            self.access.failed = True
            ctx.log(f"the credentials broker did not start: {exc.what}")
            return StepResult("no broker (it did not start); the container gets no AWS access")
        ctx.log(f"broker folder {folder} → {CONTAINER_DIR} (read-only); no key leaves the host")
        return StepResult(f"credentials broker running ({self.access.reason})", {"mode": mode})


class StopBrokerStep:
    """`devkit down`: stop the workspace's broker (its folder stays for the next init)."""

    id = "credentials"
    title = "Stop the credentials broker"

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws

    def _pid(self) -> int | None:
        return broker_pid(runtime_dir(self.ws))

    def describe(self) -> list[str]:
        return ["stop the credentials broker"] if self._pid() else []

    def is_done(self) -> bool:
        return self._pid() is None

    def run(self, ctx: StepContext) -> StepResult:
        stopped = stop_broker(self.ws)
        return StepResult("credentials broker stopped" if stopped else "no broker was running")
