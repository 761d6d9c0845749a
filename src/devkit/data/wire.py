"""A small HTTP/1.1 client for the S3 fast lane (``devkit.data.aws_fast``).

``http.client`` imports the ``email`` package (its header parser) and ``ssl`` when it is
imported: a fixed start-up cost that is a large share of a no-op sync, which sends one request.
The fast lane needs much less: GET and HEAD with an empty body, on kept-alive connections, and
answers framed by ``Content-Length`` or chunked transfer coding. This module does that and
nothing else: no redirects, no proxies (the fast lane is off when one is configured), no
compression, no ``Expect``.

Every answer is bounded (``MAX_LINE`` per status or header line, ``MAX_HEADERS`` lines); a
malformed answer raises ``ProtocolError``, a ``ConnectionError``, so the sync treats it like a
broken stream and the fast lane's callers like any failed request (botocore asks again).
``ssl`` is imported only for an ``https`` route. Plain connections are made with ``_socket``,
the C module under ``socket``: ``socket`` itself builds its enums (and imports ``enum`` and
``selectors``) when imported, a few milliseconds that a no-op sync otherwise spends before its
one request.
"""

from __future__ import annotations

import _socket
import io

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

MAX_LINE = 65536
MAX_HEADERS = 200
_NO_BODY = (204, 304)


class ProtocolError(ConnectionError):
    """An answer that is not well-formed HTTP/1.1 (or a connection closed mid-answer)."""


def _connect(host: str | bytes, port: int, timeout: float) -> Any:
    """A connected TCP socket to the first of ``host``'s addresses that answers (what
    ``socket.create_connection`` does), with ``timeout`` on every operation."""
    failure: OSError | None = None
    for family, kind, proto, _, address in _socket.getaddrinfo(host, port, 0, _socket.SOCK_STREAM):
        sock = _socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            failure = exc
    raise failure or OSError(f"no address for {host!r}")


class _Reader(io.RawIOBase):
    """A socket as a raw stream, for ``io.BufferedReader`` (``socket.SocketIO``'s part that a
    blocking socket with a timeout needs)."""

    def __init__(self, sock: Any) -> None:
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return int(self._sock.recv_into(buffer))


class Connection:
    """One connection to ``host:port``, opened on first use and kept alive between requests;
    ``tls`` is an ``ssl.SSLContext`` for https, None for http."""

    def __init__(self, host: str, port: int, timeout: float, tls: Any = None) -> None:
        self.host, self.port, self.timeout, self.tls = host, port, timeout, tls
        self._sock: Any = None
        self._file: Any = None
        self._reusable = False  # the previous answer was read to its end and allows reuse

    def _open(self) -> None:
        self.close()
        # An ASCII name is passed as bytes: a str is encoded with the idna codec, an import
        # (encodings.idna, stringprep) that costs a no-op sync more than its connection.
        host: str | bytes = self.host.encode() if self.host.isascii() else self.host
        sock: Any = _connect(host, self.port, self.timeout)
        try:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            if self.tls is not None:
                import socket  # ssl imports it anyway; wrap_socket wants its socket class

                sock = socket.socket(fileno=sock.detach())  # closed below if the handshake fails
                sock.settimeout(self.timeout)  # a new socket object starts without one
                sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self._sock, self._file = sock, io.BufferedReader(_Reader(sock))

    def close(self) -> None:
        self._reusable = False
        if self._file is not None:
            self._file.close()
        if self._sock is not None:
            self._sock.close()
        self._sock = self._file = None

    def request(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        meanwhile: Callable[[], object] | None = None,
    ) -> Response:
        """Send a request without a body and read the answer's status line and headers. A
        kept-alive connection the server closed meanwhile is reopened once (GET and HEAD are
        safe to send again). ``meanwhile`` runs once, after the request is sent and before its
        answer is read: work that overlaps the server's time (what it raises, the caller gets,
        with the connection closed)."""
        lines = [f"{method} {target} HTTP/1.1"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        reused = self._sock is not None and self._reusable
        if not reused:
            self._open()
        self._reusable = False
        try:
            self._sock.sendall(data)
            if meanwhile is not None:
                try:
                    meanwhile()
                except BaseException:
                    self.close()
                    raise
                meanwhile = None
            return self._answer(method)
        except OSError:  # ProtocolError, a reset, a timeout
            if not reused:
                self.close()
                raise
        self._open()
        self._sock.sendall(data)
        return self._answer(method)

    def _line(self) -> bytes:
        line = self._file.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise ProtocolError("an answer line is too long")
        if not line:
            raise ProtocolError("the server closed the connection")
        return bytes(line)

    def _answer(self, method: str) -> Response:
        while True:
            status_line = self._line().decode("latin-1").rstrip("\r\n")
            version, _, rest = status_line.partition(" ")
            code = rest[:3]
            if not version.startswith("HTTP/1.") or not code.isdigit():
                raise ProtocolError(f"not an HTTP/1.x answer: {status_line[:80]!r}")
            headers = self._headers()
            if not 100 <= int(code) < 200:
                break  # 1xx: an interim answer, the real one follows
        no_body = method == "HEAD" or int(code) in _NO_BODY
        return Response(self, int(code), headers, version == "HTTP/1.0", no_body)

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for _ in range(MAX_HEADERS):
            line = self._line().decode("latin-1").rstrip("\r\n")
            if not line:
                return headers
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise ProtocolError(f"a malformed header line: {line[:80]!r}")
            name, value = name.lower(), value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        raise ProtocolError("too many header lines")

    def _read(self, amount: int) -> bytes:
        return bytes(self._file.read(amount))

    def _readinto(self, buffer: memoryview) -> int:
        return int(self._file.readinto(buffer))

    def _finished(self, keep: bool) -> None:
        self._reusable = keep


class Response:
    """An answer: ``status``, lower-cased ``headers``, and its body read with ``read`` or
    ``readinto``. ``length`` is what is left of a ``Content-Length`` body (0 once read), None
    for a chunked body until its end."""

    def __init__(
        self,
        connection: Connection,
        status: int,
        headers: dict[str, str],
        http10: bool,
        no_body: bool,
    ) -> None:
        self.status, self.headers, self._connection = status, headers, connection
        coding = "" if no_body else headers.get("transfer-encoding", "").lower()
        self.chunked = coding == "chunked"
        if coding and not self.chunked:
            raise ProtocolError(f"an unsupported transfer coding: {coding[:40]}")
        self.length: int | None = 0 if no_body else None
        if not self.chunked and not no_body:
            size = headers.get("content-length")
            if size is None or not size.isdigit():
                raise ProtocolError("an answer without a length")  # read-until-close: no
            self.length = int(size)
        self._keep = not http10 and "close" not in headers.get("connection", "").lower()
        self._chunk_left = 0  # bytes left in the current chunk
        self._done = self._broken = False
        if self.length == 0:
            self._end()

    def getheader(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def finished(self) -> bool:
        return self._done

    def _end(self) -> None:
        self._done = True
        self.length = 0
        self._connection._finished(self._keep)

    def _next_chunk(self) -> bool:
        """Move to the next chunk of a chunked body; False at its end (trailers read)."""
        if self._chunk_left == 0:
            size = self._connection._line().split(b";", 1)[0].strip()
            try:
                self._chunk_left = int(size, 16)
            except ValueError:
                raise ProtocolError("a malformed chunk size") from None
            if self._chunk_left < 0:
                raise ProtocolError("a malformed chunk size")
            if self._chunk_left == 0:
                self._connection._headers()  # trailers, up to the empty line
                self._end()
                return False
        return True

    def _chunk_read(self, want: int) -> int:
        """How many bytes the next read may take (0 at the end of the body)."""
        if self._broken:
            raise ProtocolError("the server closed the connection mid-answer")
        if self._done:
            return 0
        if self.chunked:
            return min(want, self._chunk_left) if self._next_chunk() else 0
        return min(want, self.length or 0)

    def _took(self, count: int, want: int) -> None:
        if count < want:  # the connection ended: these bytes count, the next read raises
            self._broken, self._keep = True, False
            self._connection._finished(False)
        if self.chunked:
            self._chunk_left -= count
            ended = self._chunk_left == 0 and not self._broken
            if ended and self._connection._line() not in (b"\r\n", b"\n"):
                raise ProtocolError("a chunk without its line end")
        else:
            assert self.length is not None
            self.length -= count
            if self.length == 0 and not self._broken:
                self._end()

    def readinto(self, buffer: memoryview) -> int:
        """Fill up to ``len(buffer)`` bytes of the body; 0 at its end."""
        want = self._chunk_read(len(buffer))
        if want == 0:
            return 0
        count = self._connection._readinto(buffer[:want])
        self._took(count, want)
        return count

    def read(self, amount: int | None = None) -> bytes:
        """Up to ``amount`` bytes of the body (all that is left when None); b"" at its end."""
        if amount is not None:
            want = self._chunk_read(amount)
            if want == 0:
                return b""
            data = self._connection._read(want)
            self._took(len(data), want)
            return data
        parts = []
        while chunk := self.read(1 << 20):
            parts.append(chunk)
        return b"".join(parts)


# -- URLs, without urllib.parse (which imports re and ipaddress: start-up time) -----------------

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
_HEX = frozenset(b"0123456789abcdefABCDEF")


def quote(text: str, safe: str = "/") -> str:
    """``urllib.parse.quote``: UTF-8, every byte but letters, digits, ``_.-~`` and ``safe``
    as ``%XX``."""
    allowed = _UNRESERVED | frozenset(safe.encode("ascii"))
    raw = text.encode("utf-8")
    if all(byte in allowed for byte in raw):
        return text
    return "".join(chr(byte) if byte in allowed else f"%{byte:02X}" for byte in raw)


def unquote_plus(text: str) -> str:
    """``urllib.parse.unquote_plus``: ``+`` is a space, ``%XX`` a byte of UTF-8 (invalid
    sequences replaced); a ``%`` not followed by two hex digits stays as it is."""
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    raw, out, index = text.encode("utf-8"), bytearray(), 0
    while index < len(raw):
        pair = raw[index + 1 : index + 3]
        if raw[index] == 0x25 and len(pair) == 2 and all(b in _HEX for b in pair):
            out.append(int(pair, 16))
            index += 3
        else:
            out.append(raw[index])
            index += 1
    return out.decode("utf-8", "replace")


def split_url(url: str) -> tuple[str, str, int | None, str]:
    """(scheme, host, port, path) of an ``http(s)://host[:port]/path`` URL, the host lowercased
    and without IPv6 brackets; ValueError for anything else (user info, a query, a bad port)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https") or any(c in rest for c in "?#@"):
        raise ValueError(f"not an http(s) URL devkit sends requests to: {url!r}")
    netloc, slash, path = rest.partition("/")
    if netloc.startswith("["):
        host, bracket, after = netloc[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise ValueError(f"bad IPv6 host in {url!r}")
        port_text = after[1:]
    else:
        host, _, port_text = netloc.partition(":")
    if not host:
        raise ValueError(f"no host in {url!r}")
    port = None
    if port_text:
        if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
            raise ValueError(f"bad port in {url!r}")
        port = int(port_text)
    return scheme.lower(), host.lower(), port, slash + path
