"""A loopback HTTP proxy in front of the test S3 server (moto) that records every request and,
when asked, corrupts object bodies in transit.

devkit reaches it through ``AWS_ENDPOINT_URL`` like any endpoint. Requests are forwarded
unchanged, Host header included, so SigV4 signatures made for the proxy's address still verify
at moto. With ``corrupt=True`` the body of every successful GetObject response has one byte
flipped (same length, same headers: ETag and checksums still describe the original bytes), as
a bad network path or a broken middlebox would. ``drop=N`` cuts the next N object bodies in
half and closes the connection (a dropped stream); ``refuse=N`` answers the next N
GetObject requests 503 SlowDown; ``delay`` holds each object response (a
slow link); ``ranges`` lists the Range header of every GetObject. ``requests`` lists
(method, path) of everything that reached it, so a test can assert that no request was made.
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


@dataclass
class LoopbackProxy:
    upstream: str  # http://127.0.0.1:PORT
    corrupt: bool = False
    requests: list[tuple[str, str]] = field(default_factory=list)
    corrupted: list[str] = field(default_factory=list)  # paths whose bodies were altered
    delay: float = 0.0  # seconds to hold every GetObject response (a slow link)
    drop: int = 0  # the next N GetObject bodies are cut in half and the connection closed
    dropped: list[str] = field(default_factory=list)
    ranges: list[str | None] = field(default_factory=list)  # Range header of each GetObject
    refuse: int = 0  # the next N GetObject requests are answered 503 SlowDown (not forwarded)
    head_etag: str | None = None  # the ETag every HeadObject answer shows instead of the real one
    _server: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LoopbackProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                assert "chunked" not in (self.headers.get("Transfer-Encoding") or "")
                body = self.rfile.read(length) if length else b""
                proxy.requests.append((self.command, self.path))
                if proxy.refuse > 0 and self._is_get_object(200):
                    proxy.refuse -= 1
                    slow = b"<Error><Code>SlowDown</Code><Message>Slow down</Message></Error>"
                    self.send_response_only(503, "Slow Down")
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(slow)))
                    self.end_headers()
                    self.wfile.write(slow)
                    return
                target = urlsplit(proxy.upstream)
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                try:
                    conn.putrequest(
                        self.command, self.path, skip_host=True, skip_accept_encoding=True
                    )
                    for name, value in self.headers.items():
                        if name.lower() not in _HOP:
                            conn.putheader(name, value)
                    conn.endheaders(body or None)
                    response = conn.getresponse()
                    data = response.read()
                    headers = response.getheaders()
                finally:
                    conn.close()
                is_get = self._is_get_object(response.status)
                if is_get:
                    proxy.ranges.append(self.headers.get("Range"))
                    if proxy.delay:
                        time.sleep(proxy.delay)
                if is_get and data and proxy.drop > 0:
                    proxy.drop -= 1
                    proxy.dropped.append(self.path)
                    self.send_response_only(response.status, response.reason)
                    for name, value in headers:
                        if name.lower() not in _HOP:
                            self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                if proxy.corrupt and is_get and data:
                    middle = len(data) // 2
                    data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]
                    proxy.corrupted.append(self.path)
                if self.command == "HEAD" and proxy.head_etag is not None:
                    headers = [(n, v) for n, v in headers if n.lower() != "etag"]
                    headers.append(("ETag", proxy.head_etag))
                self.send_response_only(response.status, response.reason)
                for name, value in headers:
                    if name.lower() not in _HOP and name.lower() != "content-length":
                        self.send_header(name, value)
                length = response.getheader("Content-Length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length or str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            def _is_get_object(self, status: int) -> bool:
                parts = urlsplit(self.path)
                segments = [s for s in parts.path.split("/") if s]
                listing = any(q in parts.query for q in ("list-type", "uploads", "location"))
                return (
                    self.command == "GET"
                    and status in (200, 206)
                    and len(segments) >= 2
                    and (not listing)
                )

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="test-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
