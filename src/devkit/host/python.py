"""The profile's Python on this machine: ``python3.X`` on PATH, or devkit's own interpreter
when it is that version. devkit never installs anything into it (it only creates a venv)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping

from devkit.core.errors import ConfigError
from devkit.core.records import dataclass

_VERSION = "import sys; print('%d.%d' % sys.version_info[:2])"


@dataclass(frozen=True)
class HostPython:
    path: str
    version: str  # major.minor


def _own_version() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def interpreter_version(path: str) -> str | None:
    """``major.minor`` of the interpreter at ``path``, or None when it does not run."""
    try:
        out = subprocess.run(
            [path, "-c", _VERSION], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def candidates(want: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """Interpreters that may be ``want``: python3.X on PATH, devkit's own, python3 on PATH."""
    env = os.environ if environ is None else environ
    path = env.get("PATH")
    found: list[str] = []
    for name in (f"python{want}",):
        exe = shutil.which(name, path=path)
        if exe:
            found.append(exe)
    if sys.executable and _own_version() == want:
        found.append(sys.executable)
    exe = shutil.which("python3", path=path)
    if exe:
        found.append(exe)
    return list(dict.fromkeys(found))


def host_version(environ: Mapping[str, str] | None = None) -> str:
    """What this machine's ``python3`` is (devkit's own interpreter when there is none)."""
    env = os.environ if environ is None else environ
    exe = shutil.which("python3", path=env.get("PATH"))
    found = interpreter_version(exe) if exe else None
    return found or _own_version()


def find_python(want: str, profile: str, environ: Mapping[str, str] | None = None) -> HostPython:
    """The first candidate that is ``want``; ConfigError (exit 2) naming both versions."""
    for exe in candidates(want, environ):
        if interpreter_version(exe) == want:
            return HostPython(exe, want)
    have = host_version(environ)
    raise ConfigError(
        f"profile '{profile}' wants Python {want}, this machine has Python {have} "
        f"and no python{want} on PATH",
        f"install Python {want} (python{want} on PATH), or use a Docker Engine with "
        "--target container",
    )
