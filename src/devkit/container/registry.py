"""Image repositories of prebuilt dev images: names, the registry they live in, which
environment that registry belongs to, and the credentials a push or pull uses.

Credentials come from Docker's own config (``auths``, ``credsStore``, ``credHelpers``; the
Docker SDK reads them itself) and never pass through devkit's logs. For an ECR registry that
Docker's config has nothing for, devkit asks ECR for an authorization token with the AWS
credentials of the standard chain (the AWS adapter) and hands it to the engine for that one
call.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from devkit.config.environments import load_environments
from devkit.container.engine import docker_config_has_auth
from devkit.core.errors import RefusedError
from devkit.data.aws import ecr_auth_config

LATEST = "latest"
_ECR_HOST = re.compile(
    r"(\d{12})\.(?:dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"|dkr-ecr(?:-fips)?\.([a-z0-9-]+)\.on\.aws)"
)


def normalized(repository: str) -> str:
    """``HOST/PATH`` as a registry sees it: host names are case-insensitive and may end in a dot,
    and :443 is the default port, so ``ACCT.DKR.ECR.X.amazonaws.com.:443/r`` names the same
    registry as ``acct.dkr.ecr.x.amazonaws.com/r``. Every prod check runs on this form."""
    host, _, path = repository.partition("/")
    host = host.lower()
    if host.endswith(":443"):
        host = host[: -len(":443")]
    host = host.rstrip(".")
    return f"{host}/{path.lower()}" if path else host


def registry_host(repository: str) -> str:
    """The registry part of ``HOST/PATH`` (the profile key's pattern guarantees a host)."""
    return repository.split("/", 1)[0]


def ecr_account(repository: str) -> str | None:
    """The AWS account that owns an ECR repository, None for any other registry."""
    match = _ECR_HOST.fullmatch(registry_host(normalized(repository)))
    return match.group(1) if match else None


def ecr_region(repository: str) -> str | None:
    match = _ECR_HOST.fullmatch(registry_host(normalized(repository)))
    return (match.group(2) or match.group(3)) if match else None


def check_not_prod(repository: str, workspace: Path | None) -> str:
    """The environment the repository belongs to; RefusedError (exit 4) when it is prod:
    devkit publishes dev images, never into a prod registry, whoever's credentials it has."""
    envmap = load_environments(workspace)
    account = ecr_account(repository)
    environment = envmap.classify_registry(normalized(repository), account)
    if environment == "prod":
        owner = f"account {account}" if account else "its registries pattern"
        raise RefusedError(
            f"{repository} is a prod registry ({owner} in {envmap.source}); "
            "devkit does not push dev images there",
            "point image.prebuilt at the team's dev registry, or fix the environments map",
        )
    return environment


def auth_for(repository: str, log: Callable[[str], None]) -> dict[str, str] | None:
    """What the engine authenticates with: None (Docker's own config and helpers, read by
    the engine's client) unless the registry is an ECR one Docker's config knows nothing
    about; then a short-lived token from ECR (never logged)."""
    host = registry_host(repository)
    account = ecr_account(repository)
    if account is None or docker_config_has_auth(host):
        return None
    log(f"{host}: no Docker credentials for it; using an ECR authorization token (AWS chain)")
    return ecr_auth_config(host, ecr_region(repository) or "", account)
