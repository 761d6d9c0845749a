"""A realistic S3 link in front of moto, for the benches only: a per-connection shaping TCP
proxy on 127.0.0.1.

Moto on loopback answers in microseconds at memory speed, which hides what matters on real
S3: every request waits for its first byte (tens of ms), and one connection streams at about
90 MB/s. This proxy adds both, per connection:

* first-byte latency: the first response bytes after a request are held until ``latency``
  seconds after the request's first bytes arrived;
* bandwidth: each connection's responses are paced to ``rate`` bytes per second.

It works on bytes, not HTTP (any client and any request signing pass through unchanged): a
request is "whatever the client sends while no response is pending". Threads, two per
connection; good for tens of connections, which is what the benches open.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import threading
import time
from dataclasses import dataclass, field

CHUNK = 256 * 1024


@dataclass
class ShapingProxy:
    upstream_port: int
    latency: float = 0.025
    rate: float = 90e6
    connections: int = 0
    _sock: socket.socket | None = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def url(self) -> str:
        assert self._sock is not None
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def start(self) -> ShapingProxy:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(512)
        threading.Thread(target=self._accept, name="s3model", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = _Link()
            threading.Thread(target=self._up, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client, state), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket, state: _Link) -> None:
        try:
            while data := client.recv(CHUNK):
                with state.lock:
                    if state.request_at is None:
                        state.request_at = time.monotonic()
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            _close(upstream, client)

    def _down(self, upstream: socket.socket, client: socket.socket, state: _Link) -> None:
        # Response bytes go socket -> pipe -> socket with splice(2): the kernel moves them and
        # the proxy never copies them, so the model costs the machine's two cores what a
        # remote server would cost them: nothing beyond the client's own receiving.
        try:
            pipe_out, pipe_in = os.pipe()
        except OSError:  # out of descriptors: this connection fails, the client sees it close
            _close(upstream, client)
            return
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe_in, fcntl.F_SETPIPE_SZ, CHUNK)
        start = sent = 0.0
        try:
            while moved := os.splice(upstream.fileno(), pipe_in, CHUNK):
                with state.lock:
                    asked, state.request_at = state.request_at, None
                if asked is not None:  # a new response: its first byte waits, pacing restarts
                    wait = asked + self.latency - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    start, sent = time.monotonic(), 0.0
                sent += moved
                ahead = start + sent / self.rate - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                while moved:
                    moved -= os.splice(pipe_out, client.fileno(), moved)
        except OSError:
            pass
        finally:
            os.close(pipe_out)
            os.close(pipe_in)
            _close(upstream, client)


@dataclass
class _Link:
    request_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _close(*socks: socket.socket) -> None:
    for s in socks:
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)
        s.close()
