"""Starting, serving and stopping the host-side broker for one workspace.

`devkit init` starts it (a detached `devkit credentials serve` process) when the profile names a
read-only role and the host has credentials; `devkit down` stops it. The broker hands out only
sessions that the data guard has proven read-only and dev-only, narrowed by a session policy, and
refuses to broker a profile without a role: long-lived keys never enter a container.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.config.environments import load_environments
from devkit.core.errors import NotReadyError, RefusedError
from devkit.credentials.protocol import CONFIG_NAME, SOCKET_NAME, Credentials, container_aws_config

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.credentials.broker import Provider
    from devkit.workspace import Workspace

# STS sessions devkit asks for last an hour (DurationSeconds=3600, which every role allows),
# counted from *before* the request; the broker reports them as shorter so refreshes come early.
SESSION_LIFETIME = timedelta(minutes=50)
PID_FILE = "broker.pid"


def runtime_dir(ws: Workspace) -> Path:
    """A private per-workspace folder outside the workspace (never committed, never in images).

    It is never deleted while the workspace exists: the container's bind mount holds on to the
    folder itself, so a broker restarted by the next `devkit init` is visible to a running
    container without recreating it.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime else Path(tempfile.gettempdir()) / f"devkit-{os.getuid()}"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    check_private(base)
    digest = hashlib.sha256(str(ws.root).encode()).hexdigest()[:12]
    return base / "devkit-aws" / digest


def check_private(folder: Path) -> None:
    """RefusedError unless ``folder`` is ours and not writable by others (a shared /tmp)."""

    info = folder.lstat()
    if folder.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise RefusedError(
            f"{folder} is not a private folder of uid {os.getuid()} (owner {info.st_uid}, "
            f"mode {oct(info.st_mode & 0o777)})",
            "remove it or set XDG_RUNTIME_DIR to a folder only you can write",
        )


def provider_for(
    ws: Workspace, profile: Profile, lifetime: timedelta = SESSION_LIFETIME
) -> Provider:
    source = profile.data.source if profile.data else None
    if source is None or not source.role_arn:
        raise NotReadyError(
            f"profile '{profile.name}' names no read-only role to hand to the container",
            "set data.source.role_arn in the profile, or use synthetic data",
        )
    from devkit.data.guard import read_only_session  # the guard and its SDK: only the broker's

    envs = load_environments(ws.root)

    def provide() -> Credentials:
        asked = datetime.now(UTC)  # STS counts the hour from its answer, which comes later
        guarded = read_only_session(source, envs)
        key_id, secret, token = session_keys(guarded.session)
        return Credentials(key_id, secret, token, asked + lifetime)

    return provide


def session_keys(session: Any) -> tuple[str, str, str]:
    """(key id, secret, token) of a guarded session: devkit's own Session holds the assumed
    role's keys as a tuple; a boto3/botocore session returns a Credentials object."""
    found = session.get_credentials()
    if isinstance(found, tuple):
        key_id, secret, token = found
    else:
        frozen = found.get_frozen_credentials()
        key_id, secret, token = frozen.access_key, frozen.secret_key, frozen.token
    if not token:
        raise NotReadyError(
            "the guarded session has no session token (long-lived keys?)",
            "set data.source.role_arn so devkit hands out a short-lived role session",
        )
    return str(key_id), str(secret), str(token)


def serve_forever(folder: Path, ws: Workspace, profile: Profile) -> int:
    """Run the broker until SIGTERM or SIGINT; the first session is fetched before serving."""
    from devkit.credentials.broker import serve

    provide = provider_for(ws, profile)
    # Fail now, with the guard's message, rather than in the container later; and serve that
    # first session rather than asking STS twice.
    first: list[Credentials] = [provide()]
    server = serve(folder, lambda: first.pop() if first else provide())
    (folder / PID_FILE).write_text(str(os.getpid()))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        server.shutdown()
        server.server_close()
        for name in (SOCKET_NAME, PID_FILE):
            (folder / name).unlink(missing_ok=True)
    return 0


def broker_pid(folder: Path, profile: str | None = None) -> int | None:
    """The pid of the broker serving ``folder`` (for ``profile``), or None.

    A pid file can outlive its broker and the pid be reused, so where /proc exists the process
    must also be a `devkit credentials serve` for this folder (and profile).
    """
    try:
        pid = int((folder / PID_FILE).read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid  # no /proc (macOS): trust the pid file
    wanted = [b"serve", str(folder).encode()] + ([profile.encode()] if profile else [])
    return pid if all(part in argv for part in wanted) else None


def start_broker(ws: Workspace, profile: Profile, timeout: float = 60.0) -> Path:
    """Start (or keep) the workspace's broker; return the folder to mount at /run/devkit-aws."""
    folder = runtime_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    region = profile.data.source.region if profile.data and profile.data.source else None
    (folder / CONFIG_NAME).write_text(container_aws_config(region))
    if broker_pid(folder, profile.name) is not None:
        return folder
    stop_broker(ws)  # one for another profile of this workspace
    log_path = ws.state_path("logs", "credentials-broker.log")
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "devkit",
                "credentials",
                "serve",
                "--dir",
                str(folder),
                "--workspace",
                str(ws.root),
                "--profile",
                profile.name,
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if broker_pid(folder, profile.name) == proc.pid and (folder / SOCKET_NAME).exists():
            return folder
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace").strip().splitlines()[-2:]
            raise NotReadyError(
                "the credentials broker could not start: " + " ".join(tail),
                "check 'devkit doctor'; without credentials use --data synthetic",
            )
        time.sleep(0.1)
    proc.terminate()
    proc.wait(timeout=10)
    raise NotReadyError("the credentials broker did not start in time", f"see {log_path}")


def stop_broker(ws: Workspace, timeout: float = 10.0) -> bool:
    """Stop the workspace's broker and wait until it has exited; True when one was running."""
    folder = runtime_dir(ws)
    pid = broker_pid(folder)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    for name in (SOCKET_NAME, PID_FILE):
        (folder / name).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except ProcessLookupError:
        return False
    except (OSError, IndexError):
        return True  # no /proc: os.kill said it exists
    return state != "Z"
