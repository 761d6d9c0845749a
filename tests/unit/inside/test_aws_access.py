"""What a dev container gets for AWS, and the broker's refresh and pid rules (pure logic, plus a
real unix socket and real files in tmp_path)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devkit.config.model import Profile
from devkit.config.profiles import ProfileSet
from devkit.container.credentials_mount import HOST_CONFIG_DIR, AwsAccess, passthrough_env
from devkit.core import records
from devkit.core.errors import RefusedError
from devkit.credentials.broker import REFRESH_MARGIN_S, CredentialCache
from devkit.credentials.protocol import CONTAINER_DIR, Credentials
from devkit.credentials.service import PID_FILE, broker_pid, check_private
from devkit.workspace import Workspace

SECRET_NAMES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def training() -> Profile:
    return ProfileSet(None).get("training")


def access(tmp_path: Path, data: str | None, mode: str | None = None, **env: str) -> AwsAccess:
    return AwsAccess(Workspace(tmp_path), training(), data, mode, {"HOME": str(tmp_path), **env})


def host_env() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "very-secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9001",
        "AWS_REGION": "eu-west-1",
    }


def test_passthrough_keeps_endpoints_and_region_never_keys() -> None:
    passed = passthrough_env({**host_env(), "AWS_PROFILE": "dev", "HOME": "/root"})
    assert passed == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9001",
        "AWS_REGION": "eu-west-1",
    }


@pytest.mark.parametrize("data", ["synthetic", "none"])
def test_no_aws_for_synthetic_or_no_data(tmp_path: Path, data: str) -> None:
    chosen = access(tmp_path, data, **host_env())
    assert chosen.mode() == "none" and f"--data {data}" in chosen.reason
    assert chosen.mounts() == [] and chosen.container_env() == {}


def test_profile_without_role_never_gets_keys(tmp_path: Path) -> None:
    profile = training()
    assert profile.data is not None and profile.data.source is not None
    source = records.replace(profile.data.source, role_arn=None)
    no_role = records.replace(profile, data=records.replace(profile.data, source=source))
    chosen = AwsAccess(Workspace(tmp_path), no_role, "sample", None, host_env())
    assert chosen.mode() == "none"
    assert "long-lived keys are never handed to a container" in chosen.reason


def test_broker_mode_mounts_the_folder_read_only_and_names_the_config(tmp_path: Path) -> None:
    chosen = access(tmp_path, "sample", XDG_RUNTIME_DIR=str(tmp_path), **host_env())
    chosen._mode, chosen.reason = "broker", "forced for the test"
    os.chmod(tmp_path, 0o700)
    (mount,) = chosen.mounts()
    assert mount.target == CONTAINER_DIR and mount.read_only
    env = chosen.container_env()
    assert env["AWS_CONFIG_FILE"] == f"{CONTAINER_DIR}/config"
    assert not set(SECRET_NAMES) & set(env) and "AWS_PROFILE" not in env


def test_host_config_is_opt_in_and_read_only(tmp_path: Path) -> None:
    assert access(tmp_path, "sample", "host").mode() == "none"  # no ~/.aws on this "host"
    (tmp_path / ".aws").mkdir()
    chosen = access(tmp_path, "sample", "host", AWS_PROFILE="dev", **host_env())
    assert chosen.mode() == "host"
    (mount,) = chosen.mounts()
    assert mount.source == str(tmp_path / ".aws") and mount.target == HOST_CONFIG_DIR
    assert mount.read_only
    env = chosen.container_env()
    assert env["AWS_PROFILE"] == "dev" and not set(SECRET_NAMES) & set(env)


def test_refresh_margin_covers_botocores_advisory_window() -> None:
    # botocore asks a credential_process again when <15 min are left on its copy; the broker
    # must then hand out a session with more than that left, so it refreshes earlier.
    assert REFRESH_MARGIN_S > 15 * 60
    issued: list[Credentials] = []

    def provider() -> Credentials:
        left = 16 if not issued else 50
        creds = Credentials("A", "s", "t", datetime.now(UTC) + timedelta(minutes=left))
        issued.append(creds)
        return creds

    cache = CredentialCache(provider)
    first = cache.get()  # 16 min left: botocore would soon ask again…
    second = cache.get()  # …and gets a fresh one, not the same nearly-stale session
    assert first is issued[0] and second is issued[1]
    assert cache.get() is second and cache.refreshes == 2


def test_credentials_repr_hides_secrets() -> None:
    creds = Credentials("ASIAKEY", "the-secret", "the-token", datetime.now(UTC))
    assert "the-secret" not in repr(creds) and "the-token" not in repr(creds)


def test_pid_file_of_another_process_is_not_a_broker(tmp_path: Path) -> None:
    (tmp_path / PID_FILE).write_text(str(os.getpid()))
    assert broker_pid(tmp_path) is None  # alive, but not `devkit credentials serve`
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    (tmp_path / PID_FILE).write_text(str(proc.pid))
    assert broker_pid(tmp_path) is None  # dead


def test_pid_file_of_a_broker_for_this_folder_and_profile(tmp_path: Path) -> None:
    script = "import time; time.sleep(30)"
    proc = subprocess.Popen(
        [sys.executable, "-c", script, "serve", "--dir", str(tmp_path), "--profile", "training"]
    )
    try:
        (tmp_path / PID_FILE).write_text(str(proc.pid))
        for _ in range(100):  # until the child's argv is visible in /proc
            if broker_pid(tmp_path, "training") == proc.pid:
                break
            time.sleep(0.05)
        assert broker_pid(tmp_path, "training") == proc.pid
        assert broker_pid(tmp_path, "api") is None  # another profile's broker
    finally:
        proc.kill()
        proc.wait()


def test_shared_writable_runtime_folder_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    with pytest.raises(RefusedError) as caught:
        check_private(shared)
    assert "XDG_RUNTIME_DIR" in caught.value.hint
    os.chmod(shared, 0o700)
    check_private(shared)
