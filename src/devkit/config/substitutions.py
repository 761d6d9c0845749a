"""``${localEnv:NAME}`` in a profile: which host variables may reach the container.

A Dev Containers tool (devkit's own resolver, VS Code, the reference CLI) substitutes
``${localEnv:NAME}`` (and its older spelling ``${env:NAME}``) anywhere in ``devcontainer.json``
with the *host's* value. A profile from the repository could therefore copy a host secret —
``env: {X: "${localEnv:AWS_SECRET_ACCESS_KEY}"}`` — into the container's environment, where it
is visible to everything that runs there and to ``docker inspect``.

Rule: a profile string may name a host variable only when the profile lists it under
``env_passthrough`` (or it is one of the harmless ``ALWAYS``), and never a name that looks like a
credential (``CREDENTIAL_LIKE``) or one the profile lists under ``secrets``. Secrets reach the
container only through the secrets file. ``${containerEnv:NAME}`` (the container's own value) and
the workspace-folder variables are allowed; any other ``${…}`` variable is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from devkit.config.yamlmarks import Path

ALWAYS = frozenset({"HOME", "USER", "USERNAME", "LANG", "LC_ALL", "TZ", "TERM"})
HARMLESS = frozenset(
    {
        "localWorkspaceFolder",
        "localWorkspaceFolderBasename",
        "containerWorkspaceFolder",
        "containerWorkspaceFolderBasename",
        "devcontainerId",
    }
)
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_CREDENTIAL = re.compile(
    r"SECRET|TOKEN|PASSW|PASSPHRASE|CREDENTIAL|PRIVATE|COOKIE|SESSION|AUTH|(^|_)KEY(_|$)|APIKEY"
    r"|^AWS_(?!REGION$|DEFAULT_REGION$|ENDPOINT_URL)",
    re.IGNORECASE,
)
CREDENTIAL_LIKE = _CREDENTIAL.pattern


def looks_like_credential(name: str) -> bool:
    return _CREDENTIAL.search(name) is not None


def _strings(value: Any, path: Path) -> Iterator[tuple[Path, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))


def variable_problems(
    data: dict[str, Any], passthrough: set[str], secrets: set[str]
) -> Iterator[tuple[Path, str, str]]:
    """(path, what, hint) for every ``${…}`` in ``data`` that would leak or is unknown."""
    for path, text in _strings(data, ()):
        for match in _VARIABLE.finditer(text):
            body = match.group(1)
            kind, _, rest = body.partition(":")
            if not rest and kind in HARMLESS:
                continue
            if kind == "containerEnv":
                continue
            if kind not in ("localEnv", "env"):
                yield (
                    path,
                    f"unknown variable '${{{body[:60]}}}'",
                    "use ${localEnv:NAME} for a pass-through name or ${containerEnv:NAME}",
                )
                continue
            name = rest.split(":", 1)[0]
            if name in secrets or looks_like_credential(name):
                yield (
                    path,
                    f"'${{{kind}:{name}}}' would copy a host credential into the container",
                    "list the name under 'secrets:' instead; secrets travel only in the "
                    "secrets file",
                )
            elif name not in passthrough and name not in ALWAYS:
                yield (
                    path,
                    f"'${{{kind}:{name}}}' names a host variable the profile does not pass through",
                    f"add {name} to 'env_passthrough:' if it is not secret",
                )
