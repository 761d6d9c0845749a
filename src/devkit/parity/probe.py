"""Facts only the workload's own interpreter knows, gathered by running it.

devkit runs in its own environment (its venv in the container, pipx on a laptop), so the
workload's Python, distributions and variables are read by running the workload's interpreter
with a small stdlib-only script (``PROBE``), on the host or through ``docker exec``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from devkit.core.errors import ConfigError, NotReadyError

# Set at container creation (and in staging's image) so a fingerprint names its base image.
BASE_IMAGE_ENV = "DEVKIT_BASE_IMAGE"
BASE_DIGEST_ENV = "DEVKIT_BASE_DIGEST"
# Which interpreter runs the workload when not in a container; default: python3 on PATH.
WORKLOAD_PYTHON_ENV = "DEVKIT_WORKLOAD_PYTHON"

PROBE = r"""
import json, os, platform, sys
from importlib import metadata
rel = {}
for path in ("/etc/os-release", "/usr/lib/os-release"):
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                key, sep, value = line.strip().partition("=")
                if sep:
                    rel[key.lower()] = value.strip().strip("\"'")
        break
    except OSError:
        pass
dists = {}
for dist in metadata.distributions():
    name = dist.metadata["Name"]
    if name and name not in dists:
        dists[name] = dist.version
print(json.dumps({
    "python": {
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "prefix": sys.prefix,
    },
    "platform": {
        "system": platform.system(),
        "machine": platform.machine(),
        "os_release": {k: rel[k] for k in ("id", "version_id", "version_codename", "pretty_name")
                       if k in rel},
    },
    "base_image": {"ref": os.environ.get("DEVKIT_BASE_IMAGE") or None,
                   "digest": os.environ.get("DEVKIT_BASE_DIGEST") or None},
    "env_names": sorted(os.environ),
    "distributions": dists,
}))
"""

# Names every shell, CI runner or container sets on its own; they say nothing about the workload.
NOISE_NAMES = frozenset(
    {
        "_", "CI", "COLUMNS", "HOME", "HOSTNAME", "LANG", "LC_ALL", "LINES", "LOGNAME",
        "OLDPWD", "PATH", "PS1", "PWD", "SHELL", "SHLVL", "TERM", "TMPDIR", "TZ", "USER",
        "VIRTUAL_ENV", "PYTHONPATH", "DISPLAY", "MAIL", "HOSTTYPE", "COLORTERM", "NO_COLOR",
        "SSH_AUTH_SOCK", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "EDITOR", "PAGER", "LESS",
        "GPG_TTY", BASE_IMAGE_ENV, BASE_DIGEST_ENV, WORKLOAD_PYTHON_ENV,
        # proxies and trust stores belong to the machine's network, not to the workload
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
        "no_proxy", "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    }
)  # fmt: skip
NOISE_PREFIXES = (
    "GITHUB_", "RUNNER_", "GITLAB_", "CI_", "BUILDKITE", "JENKINS_", "CIRCLE", "TRAVIS",
    "LC_", "XDG_", "DBUS_", "TERM_", "VSCODE_", "REMOTE_CONTAINERS", "CODESPACE", "DOCKER_",
    "GIT_", "PYTEST_", "DEVKIT_TEST", "npm_", "KUBERNETES_", "ECS_", "AWS_", "PIP_", "PYENV_",
    "_PYENV_",
)  # fmt: skip


def normalise_name(name: str) -> str:
    """PEP 503 normalised distribution name: 'Typing_Extensions' -> 'typing-extensions'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def relevant_env_names(names: Sequence[str]) -> list[str]:
    """Variable names that describe the workload, without shell, CI and credential noise.

    AWS_* is left out on purpose: credentials differ by design between dev and staging.
    """
    return sorted(
        n for n in set(names) if n not in NOISE_NAMES and not n.startswith(NOISE_PREFIXES)
    )


def workload_python(environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    chosen = environ.get(WORKLOAD_PYTHON_ENV) or shutil.which("python3", path=environ.get("PATH"))
    if not chosen:
        raise NotReadyError(
            "no python3 found for the workload",
            f"put the workload's python3 on PATH or set {WORKLOAD_PYTHON_ENV}",
        )
    return chosen


def run_probe(
    argv_prefix: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 60
) -> dict[str, Any]:
    """Run ``argv_prefix + ['-c', PROBE]`` (an interpreter, maybe behind docker exec)."""
    argv = [*argv_prefix, "-c", PROBE]
    try:
        proc = subprocess.run(
            argv,
            env=dict(env) if env is not None else None,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        raise NotReadyError(
            f"cannot run {argv_prefix[0]}",
            f"install it, or set {WORKLOAD_PYTHON_ENV} to the workload's interpreter",
        ) from None
    except subprocess.TimeoutExpired:
        raise NotReadyError(
            f"the workload's interpreter did not answer within {timeout:.0f} s",
            "check the container or interpreter is healthy",
        ) from None
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise NotReadyError(
            f"fingerprinting with {' '.join(argv_prefix)} failed: {' '.join(tail) or 'no output'}",
            "check the workload's interpreter runs ('python3 --version')",
        )
    return parse_probe_output(proc.stdout)


def parse_probe_output(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        raise ConfigError(
            "the workload's interpreter printed something that is not a fingerprint",
            "make sure its startup (sitecustomize, PYTHONSTARTUP) prints nothing",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError("the fingerprint probe returned no object", "report this as a bug")
    return data


def own_prefix() -> str:
    return sys.prefix
