"""The host-side broker: serves a narrowed, read-only session on a unix socket, refreshed early.

The socket lives in a folder only its owner can enter (0700). The container reaches it because
devkit runs the container user with the host user's UID (``root`` on a root host, ``dev`` with the
host's UID/GID otherwise; see ``container/render.py``), not because of the bind mount: a bind mount
keeps the host's owner and mode. The socket itself is 0666 so that a container user with another
UID *inside* an allowed folder (a user-namespaced engine) can still connect.

The broker refreshes the session when less than ``refresh_margin`` seconds are left. The margin is
larger than botocore's own advisory refresh window (15 minutes): whenever an SDK in the container
asks again, because its copy is about to expire, it gets a session that is not. It logs what it
does without ever logging a key or token.
"""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import threading
from collections.abc import Callable
from pathlib import Path

from devkit.credentials.protocol import REQUEST, Credentials, error_json

log = logging.getLogger("devkit.credentials")

Provider = Callable[[], Credentials]
# botocore refreshes credential_process credentials 15 min before they expire (10 min: must).
REFRESH_MARGIN_S = 20 * 60.0


class CredentialCache:
    """Holds the current session and refreshes it through ``provider`` before it expires."""

    def __init__(self, provider: Provider, refresh_margin: float = REFRESH_MARGIN_S) -> None:
        self.provider = provider
        self.refresh_margin = refresh_margin
        self._current: Credentials | None = None
        self._lock = threading.Lock()
        self.refreshes = 0

    def get(self) -> Credentials:
        with self._lock:
            if self._current is None or self._current.seconds_left() < self.refresh_margin:
                self._current = self.provider()
                self.refreshes += 1
                log.info("new read-only session, valid %.0f s", self._current.seconds_left())
            return self._current


class _Handler(socketserver.StreamRequestHandler):
    server: BrokerServer

    def handle(self) -> None:
        request = self.rfile.readline(256)
        if request != REQUEST:
            self.wfile.write(error_json("unknown request").encode() + b"\n")
            return
        try:
            answer = self.server.cache.get().to_process_json()
        except Exception as exc:  # the container gets the reason, never a traceback
            log.warning("cannot provide credentials: %s", type(exc).__name__)
            answer = error_json(f"devkit cannot provide credentials: {exc}")
        self.wfile.write(answer.encode() + b"\n")


class BrokerServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: Path, cache: CredentialCache) -> None:
        self.cache = cache
        super().__init__(str(path), _Handler)


def prepare_socket_dir(folder: Path) -> Path:
    """A private folder for the socket; a stale socket from a dead broker is removed."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / "broker.sock"
    if path.exists():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()
        else:
            raise OSError(f"a broker already listens on {path}")
        finally:
            probe.close()
    return path


def serve(folder: Path, provider: Provider, ready: threading.Event | None = None) -> BrokerServer:
    """Start serving in a background thread; the caller shuts it down."""
    path = prepare_socket_dir(folder)
    server = BrokerServer(path, CredentialCache(provider))
    # The folder's 0700 keeps other host users out; see the module docstring for who gets in.
    os.chmod(path, 0o666)
    thread = threading.Thread(target=server.serve_forever, name="devkit-broker", daemon=True)
    thread.start()
    if ready:
        ready.set()
    return server
