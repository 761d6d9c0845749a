"""Secrets reach the container at run time only, through a read-only file.

Choice: the values of the secrets a profile names (read from the host's environment when
``devkit init`` runs) are written to ``secrets.env`` in a private host runtime folder
(``$XDG_RUNTIME_DIR/devkit/<container>/`` or ``/tmp/devkit-<uid>/<container>/``, mode 0700, file
0600) and bind-mounted read-only at ``/run/devkit/secrets.env``. ``devkit post-create`` and
``devkit run`` load it into the commands they start, and login shells source it. So the values
are never in the image, a label, ``docker inspect``'s environment, the workspace or a log; only
the file's host path is visible. ``devkit down`` deletes the file. A proxy URL carrying a password
is treated the same way instead of going into the container's environment.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from devkit.container.spec import Mount
from devkit.core.errors import RefusedError
from devkit.credentials.service import check_private

CONTAINER_PATH = "/run/devkit/secrets.env"


def runtime_dir(container_name: str) -> Path:
    base = os.environ.get("XDG_RUNTIME_DIR")
    root = Path(base) / "devkit" if base else Path(tempfile.gettempdir()) / f"devkit-{os.getuid()}"
    return root / container_name


def secrets_path(container_name: str) -> Path:
    return runtime_dir(container_name) / "secrets.env"


def has_credentials(url: str) -> bool:
    rest = url.split("://", 1)[-1]
    return "@" in rest.split("/", 1)[0]


def render(values: Mapping[str, str]) -> str:
    return "".join(f"{k}={shlex.quote(v)}\n" for k, v in sorted(values.items()))


def parse(text: str) -> dict[str, str]:
    """Read a secrets.env written by ``render`` (shell syntax, one NAME=value a line)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        name, _, raw = line.partition("=")
        parts = shlex.split(raw) if raw else [""]
        found[name.strip()] = parts[0] if parts else ""
    return found


def collect(names: tuple[str, ...], env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """(values found in the host environment, names that are missing)."""
    values = {n: env[n] for n in names if env.get(n)}
    return values, [n for n in names if n not in values]


def write(container_name: str, values: Mapping[str, str]) -> Path:
    """Write the file in place (same inode, so a running container sees the new values)."""

    path = secrets_path(container_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Under a shared temp folder another user could have made these folders or planted a
    # symlink at the file's name: both must be ours and private, and the file is not followed.
    check_private(path.parent.parent)
    check_private(path.parent)
    os.chmod(path.parent, 0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise RefusedError(
            f"cannot write {path} safely: {exc.strerror or exc}",
            "remove it (a symlink there is never followed) and run 'devkit init' again",
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(render(values))
    os.chmod(path, 0o600)
    return path


def current(container_name: str) -> str | None:
    try:
        return secrets_path(container_name).read_text(encoding="utf-8")
    except OSError:
        return None


def remove(container_name: str) -> None:
    path = secrets_path(container_name)
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()


def sweep(live_names: set[str], min_age_s: float = 600.0) -> list[str]:
    """Delete the secrets files of devkit containers that no longer exist (removed by hand).

    Files younger than ``min_age_s`` stay: another devkit may be about to create their container.
    """

    root = runtime_dir("x").parent
    removed: list[str] = []
    if not root.is_dir():
        return removed
    cutoff = time.time() - min_age_s
    for folder in root.iterdir():
        if not folder.name.startswith("devkit-") or folder.name in live_names:
            continue
        try:
            young = folder.stat().st_mtime > cutoff
        except OSError:
            continue
        if not young:
            remove(folder.name)
            removed.append(folder.name)
    return removed


def mount(container_name: str) -> Mount:
    return Mount(str(secrets_path(container_name)), CONTAINER_PATH, "bind", read_only=True)


def load_in_container(path: str = CONTAINER_PATH) -> dict[str, str]:
    try:
        return parse(Path(path).read_text(encoding="utf-8"))
    except OSError:
        return {}
