"""The credentials broker over a real unix socket, with a fake session provider."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devkit.core.errors import NotReadyError
from devkit.credentials.broker import (
    MAX_WORKERS,
    BrokerServer,
    CredentialCache,
    prepare_socket_dir,
    serve,
)
from devkit.credentials.client import fetch
from devkit.credentials.protocol import REQUEST, Credentials, container_aws_config


def session(minutes: float, n: int) -> Credentials:
    return Credentials(
        f"ASIAFAKE{n}", f"secret{n}", f"token{n}", datetime.now(UTC) + timedelta(minutes=minutes)
    )


def test_serves_credential_process_json_and_refreshes_before_expiry(tmp_path: Path) -> None:
    issued: list[Credentials] = []

    def provider() -> Credentials:
        # The first session is about to expire (5 min < the 10 min margin): refresh next time.
        creds = session(5 if not issued else 60, len(issued))
        issued.append(creds)
        return creds

    server = serve(tmp_path / "run", provider)
    try:
        sock = str(tmp_path / "run" / "broker.sock")
        first = json.loads(fetch(sock))
        second = json.loads(fetch(sock))
        third = json.loads(fetch(sock))
    finally:
        server.shutdown()
        server.server_close()
    assert first["Version"] == 1 and first["AccessKeyId"] == "ASIAFAKE0"
    assert second["AccessKeyId"] == "ASIAFAKE1" == third["AccessKeyId"]
    assert len(issued) == 2
    assert third["Expiration"].endswith("Z")
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o700


def test_provider_failure_reaches_the_client_as_a_clear_error(tmp_path: Path) -> None:
    def provider() -> Credentials:
        raise RuntimeError("role cannot be assumed")

    server = serve(tmp_path / "run", provider)
    try:
        with pytest.raises(NotReadyError) as caught:
            fetch(str(tmp_path / "run" / "broker.sock"))
    finally:
        server.shutdown()
        server.server_close()
    assert "role cannot be assumed" in caught.value.what


def test_missing_broker_says_how_to_start_it(tmp_path: Path) -> None:
    with pytest.raises(NotReadyError) as caught:
        fetch(str(tmp_path / "nope.sock"), timeout=1)
    assert "devkit init" in caught.value.hint


def test_credentials_never_show_in_repr() -> None:
    text = repr(session(10, 7))
    assert "secret7" not in text and "token7" not in text and "ASIAFAKE7" not in text


def test_container_config_names_the_broker() -> None:
    config = container_aws_config("eu-west-1")
    assert "credential_process = devkit credentials get --socket /run/devkit-aws/broker.sock" in (
        config
    )
    assert "region = eu-west-1" in config


# --- Bounded: a timeout per connection, a capped worker pool, one quiet line per dropped client.


def _serve_bounded(tmp_path: Path, provider: Any, **bounds: Any) -> tuple[BrokerServer, str]:
    folder = tmp_path / "run"
    path = prepare_socket_dir(folder)
    server = BrokerServer(path, CredentialCache(provider), **bounds)
    threading.Thread(target=server.serve_forever, name="test-broker", daemon=True).start()
    return server, str(path)


def test_a_flood_of_idle_connections_costs_no_threads_and_a_client_is_still_served(
    tmp_path: Path,
) -> None:
    before = threading.active_count()
    server, path = _serve_bounded(tmp_path, lambda: session(60, 0), timeout=2.0)
    idle: list[socket.socket] = []
    try:
        for _ in range(1100):
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(path)  # blocking: waits while the listen backlog is full
            idle.append(conn)
        time.sleep(0.3)  # let the server accept them all
        during = threading.active_count()
        served = json.loads(fetch(path, timeout=5))  # while the idle ones sit there
        after_serving = threading.active_count()
        assert served["AccessKeyId"] == "ASIAFAKE0"
        # The serving thread plus at most the worker pool (4): never one per connection.
        assert during <= before + 1 + MAX_WORKERS, (before, during)
        assert after_serving <= before + 1 + MAX_WORKERS, (before, after_serving)
        time.sleep(2.5)  # past the timeout: every idle connection has been closed by the server
        closed = sum(1 for conn in idle if _closed_by_peer(conn))
        assert closed == len(idle)
        assert json.loads(fetch(path, timeout=5))["AccessKeyId"] == "ASIAFAKE0"
    finally:
        for conn in idle:
            conn.close()
        server.shutdown()
        server.server_close()
    print(f"threads: {before} before, {during} with 1100 idle connections, {after_serving} after")


def _closed_by_peer(conn: socket.socket) -> bool:
    try:
        conn.settimeout(0.5)
        return conn.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def test_a_client_that_drops_costs_one_quiet_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    gone = threading.Event()

    def slow_provider() -> Credentials:
        gone.wait(5)  # answer only after the client has gone
        return session(60, 1)

    server, path = _serve_bounded(tmp_path, slow_provider)
    caplog.set_level(logging.DEBUG, logger="devkit.credentials")
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.connect(path)
        client.sendall(REQUEST)
        client.close()
        gone.set()
        deadline = time.monotonic() + 5
        while server.dropped < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        # The next client is served normally.
        assert json.loads(fetch(path, timeout=5))["AccessKeyId"] == "ASIAFAKE1"
    finally:
        server.shutdown()
        server.server_close()
    dropped = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(dropped) == 1, [r.getMessage() for r in caplog.records]
    assert dropped[0].exc_info is None and "\n" not in dropped[0].getMessage()
    assert not any(r.exc_info for r in caplog.records)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
