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

It is bounded (see ``BrokerServer``): a per-connection timeout, a small fixed worker pool, a
cap on open connections; a client that drops costs one log line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

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


# Bounds: how long a client may take to send its request line and to read the answer; how many
# answers are prepared at once (worker threads); how many connections may be open at all.
CLIENT_TIMEOUT_S = 5.0
MAX_WORKERS = 4
MAX_CONNECTIONS = 64
_REQUEST_LIMIT = 256


class BrokerServer:
    """A bounded unix-socket server: one selector thread holds every connection until its
    request line has arrived (an idle connection costs a file descriptor, never a thread) and
    closes it after ``timeout`` seconds; ``workers`` threads answer complete requests. At
    ``max_connections`` open connections the oldest still-silent one is closed to make room, so
    a legitimate client is served even while a flood of idle connections sits there. A client
    that goes away costs one log line, never a traceback.
    """

    def __init__(
        self,
        path: Path,
        cache: CredentialCache,
        *,
        timeout: float = CLIENT_TIMEOUT_S,
        workers: int = MAX_WORKERS,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.cache = cache
        self.timeout = timeout
        self.max_connections = max_connections
        self.dropped = 0  # clients that went away or were closed (timeout, room for others)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.socket.bind(str(path))
            self.socket.listen(128)
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="devkit-broker-worker")
        self._waiting: dict[socket.socket, tuple[float, bytearray]] = {}  # oldest first
        self._answering = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()

    def serve_forever(self) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ, "accept")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                wait = 1.0
                if self._waiting:
                    first = min(deadline for deadline, _ in self._waiting.values())
                    wait = max(0.0, min(wait, first - time.monotonic()))
                for key, _ in sel.select(wait):
                    if key.data == "accept":
                        self._accept(sel)
                    elif key.data == "wake":
                        self._wake_r.recv(64)
                    elif key.fileobj in self._waiting:  # not dropped earlier in this batch
                        self._read(sel, key.fileobj)
                now = time.monotonic()
                for conn in [c for c, (deadline, _) in self._waiting.items() if deadline <= now]:
                    self._drop(sel, conn, "sent no request in time")
        finally:
            for conn in list(self._waiting):
                self._waiting.pop(conn)
                conn.close()
            sel.close()
            self._stopped.set()

    def _accept(self, sel: Any) -> None:
        for _ in range(self.max_connections):  # a burst at a time; the rest wait in the backlog
            try:
                conn, _ = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. out of file descriptors: let connections wait
                log.warning("cannot accept a connection: %s", type(exc).__name__)
                return
            with self._lock:
                busy = self._answering
            if busy >= self.max_connections:
                conn.close()
                self.dropped += 1
                continue
            if len(self._waiting) + busy >= self.max_connections and self._waiting:
                self._drop(sel, next(iter(self._waiting)), "closed to make room")
            conn.setblocking(False)
            self._waiting[conn] = (time.monotonic() + self.timeout, bytearray())
            sel.register(conn, selectors.EVENT_READ, "conn")

    def _read(self, sel: Any, conn: socket.socket) -> None:
        try:
            data = conn.recv(_REQUEST_LIMIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sel, conn, "went away before asking")
            return
        _, buffer = self._waiting[conn]
        buffer += data
        if b"\n" not in buffer and len(buffer) < _REQUEST_LIMIT:
            return
        sel.unregister(conn)
        del self._waiting[conn]
        with self._lock:
            self._answering += 1
        self._pool.submit(self._answer, conn, bytes(buffer))

    def _drop(self, sel: Any, conn: socket.socket, why: str) -> None:
        sel.unregister(conn)
        del self._waiting[conn]
        conn.close()
        self.dropped += 1
        log.info("client %s", why)

    def _answer(self, conn: socket.socket, request: bytes) -> None:
        try:
            if request.split(b"\n", 1)[0] + b"\n" != REQUEST:
                answer = error_json("unknown request")
            else:
                try:
                    answer = self.cache.get().to_process_json()
                except Exception as exc:  # the container gets the reason, never a traceback
                    log.warning("cannot provide credentials: %s", type(exc).__name__)
                    answer = error_json(f"devkit cannot provide credentials: {exc}")
            conn.setblocking(True)
            conn.settimeout(self.timeout)
            conn.sendall(answer.encode() + b"\n")
        except OSError as exc:
            with self._lock:
                self.dropped += 1
            log.info("client went away before its answer (%s)", type(exc).__name__)
        finally:
            conn.close()
            with self._lock:
                self._answering -= 1

    def shutdown(self) -> None:
        """Stop serving_forever and wait until it has stopped (from another thread)."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._stopped.wait()

    def server_close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for sock in (self.socket, self._wake_r, self._wake_w):
            sock.close()


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
