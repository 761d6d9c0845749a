"""The fast lane's HTTP/1.1 client against a loopback server that answers with given bytes."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.data import wire


class Canned:
    """Answers each request with the next of ``answers`` (bytes); an answer ending in
    ``CLOSE`` is sent and the connection is closed. Counts connections and requests."""

    CLOSE = b"<close>"

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = list(answers)
        self.connections = 0
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while self.answers:
                while b"\r\n\r\n" not in data:
                    more = conn.recv(65536)
                    if not more:
                        return
                    data += more
                head, _, data = data.partition(b"\r\n\r\n")
                self.requests.append(head)
                answer = self.answers.pop(0)
                if answer.endswith(self.CLOSE):
                    conn.sendall(answer[: -len(self.CLOSE)])
                    return
                conn.sendall(answer)

    def connect(self) -> wire.Connection:
        return wire.Connection("127.0.0.1", self.port, 5.0)


def ok(body: bytes, extra: str = "") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n{extra}\r\n".encode() + body


@pytest.fixture
def closing() -> Iterator[list[Canned]]:
    servers: list[Canned] = []
    yield servers
    for server in servers:
        server.sock.close()


def serve(closing: list[Canned], *answers: bytes) -> Canned:
    closing.append(Canned(list(answers)))
    return closing[-1]


def test_bodies_by_length_on_one_kept_alive_connection(closing: list[Canned]) -> None:
    server = serve(closing, ok(b"x" * 3000, 'ETag: "abc"\r\n'), ok(b"second"))
    connection = server.connect()
    response = connection.request("GET", "/b/k", {"host": "h", "range": "bytes=0-2999"})
    assert response.status == 200 and response.getheader("ETag") == '"abc"'
    buffer = memoryview(bytearray(1024))
    got = b""
    while count := response.readinto(buffer):
        got += bytes(buffer[:count])
    assert got == b"x" * 3000 and response.finished
    assert connection.request("GET", "/b/k2", {"host": "h"}).read() == b"second"
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /b/k HTTP/1.1\r\nhost: h\r\nrange: bytes=0-2999")


def test_a_chunked_body_with_extensions_and_trailers(closing: list[Canned]) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-trailer: 1\r\n\r\n"
    )
    server = serve(closing, chunked, ok(b"next"))
    connection = server.connect()
    response = connection.request("GET", "/", {})
    assert response.length is None and response.read(3) == b"hel"
    assert response.read() == b"lo world" and response.finished
    assert connection.request("GET", "/", {}).read() == b"next" and server.connections == 1


def test_a_head_answer_has_no_body_whatever_its_length(closing: list[Canned]) -> None:
    server = serve(closing, b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", ok(b"after"))
    connection = server.connect()
    response = connection.request("HEAD", "/", {})
    assert response.getheader("content-length") == "1000" and response.read() == b""
    assert connection.request("GET", "/", {}).read() == b"after" and server.connections == 1


@pytest.mark.parametrize(
    "answer",
    [
        b"SSH-2.0-OpenSSH\r\n\r\n",
        b"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n X: folded\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * (wire.MAX_LINE + 10) + b"\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * (wire.MAX_HEADERS + 1) + b"\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n\r\nread until close",
        b"HTTP/1.1 200 OK\r\nContent-Length: 3" + Canned.CLOSE,
    ],
)
def test_a_malformed_answer_is_a_protocol_error(closing: list[Canned], answer: bytes) -> None:
    server = serve(closing, answer)
    with pytest.raises(wire.ProtocolError):
        server.connect().request("GET", "/", {})


def test_a_bad_chunk_size_is_a_protocol_error(closing: list[Canned]) -> None:
    answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
    response = serve(closing, answer).connect().request("GET", "/", {})
    with pytest.raises(wire.ProtocolError):
        response.read()


def test_a_truncated_body_gives_its_bytes_then_fails(closing: list[Canned]) -> None:
    """What arrived is handed over (a resume starts after it); the next read raises."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabcd" + Canned.CLOSE
    response = serve(closing, answer).connect().request("GET", "/", {})
    assert response.read(10) == b"abcd"
    with pytest.raises(wire.ProtocolError):
        response.read(6)
    assert not response.finished


def test_a_kept_alive_connection_the_server_closed_is_reopened_once(
    closing: list[Canned],
) -> None:
    server = serve(closing, ok(b"one") + Canned.CLOSE, ok(b"two"))
    connection = server.connect()
    assert connection.request("GET", "/", {}).read() == b"one"
    assert connection.request("GET", "/", {}).read() == b"two"
    assert server.connections == 2 and len(server.requests) == 2


def test_connection_close_opens_a_new_connection_for_the_next_request(
    closing: list[Canned],
) -> None:
    server = serve(closing, ok(b"one", "Connection: close\r\n"), ok(b"two"))
    connection = server.connect()
    assert connection.request("GET", "/", {}).read() == b"one"
    assert connection.request("GET", "/", {}).read() == b"two"
    assert server.connections == 2


def test_an_interim_answer_is_skipped(closing: list[Canned]) -> None:
    server = serve(closing, b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"real"))
    response = server.connect().request("GET", "/", {})
    assert response.status == 200 and response.read() == b"real"


def _self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_https_answers_come_through_tls_verified_against_the_given_trust(
    tmp_path: Path,
) -> None:
    cert, key = _self_signed(tmp_path)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]

    def answer() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with server_side.wrap_socket(conn, server_side=True) as tls:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        data += tls.recv(65536)
                    tls.sendall(ok(b"over tls"))
            except OSError:  # the client that does not trust the certificate hangs up
                continue

    threading.Thread(target=answer, daemon=True).start()
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        connection = wire.Connection("127.0.0.1", port, 5.0, trusted)
        response = connection.request("GET", "/k", {"Host": "127.0.0.1"})
        assert (response.status, response.read()) == (200, b"over tls")
        connection.close()
        untrusted = ssl.create_default_context(cafile=certifi_or_none())
        with pytest.raises(ssl.SSLCertVerificationError):
            wire.Connection("127.0.0.1", port, 5.0, untrusted).request("GET", "/k", {})
    finally:
        listener.close()


def certifi_or_none() -> str | None:
    """A CA bundle that does not hold the test's own certificate (the system's default)."""
    return ssl.get_default_verify_paths().cafile


def test_a_refused_connection_is_an_oserror() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now
    with pytest.raises(ConnectionRefusedError):
        wire.Connection("127.0.0.1", port, 5.0).request("GET", "/", {})


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_a_server_that_never_answers_times_out(tls: bool) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepted by the kernel, never answered (nor the TLS handshake)
    context = ssl.create_default_context() if tls else None
    try:
        with pytest.raises(TimeoutError):
            wire.Connection("127.0.0.1", listener.getsockname()[1], 0.2, context).request(
                "GET", "/", {}
            )
    finally:
        listener.close()
