"""The credentials broker over a real unix socket, with a fake session provider."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devkit.credentials.broker import serve
from devkit.credentials.client import fetch
from devkit.credentials.protocol import Credentials, container_aws_config
from devkit.errors import NotReadyError


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
