"""The test infrastructure itself, for real: engine, base image, IAM-enforcing S3, git repos.

If one of these fails, every integration test that builds on it would fail confusingly; these
fail first and say which piece is broken.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.engine import SCRIPTS, TEST_LABEL, TEST_LABELS, in_ci, run_container
from support.gitrepo import GIT_EMAIL, GitRepo, build_tree
from support.s3server import Keys, S3Server


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str]:
    response = exc.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


# --- Docker -----------------------------------------------------------------------------------


def test_engine_answers_with_a_version(docker_engine: Any) -> None:
    version = docker_engine.version()
    assert version["ApiVersion"]
    assert version["Version"]


def test_base_image_runs_python_311(docker_engine: Any, base_image: str) -> None:
    image = docker_engine.images.get(base_image)
    assert image.labels.get("org.devkit.base") == "1"

    status, output = run_container(
        docker_engine, base_image, ["python3", "-c", "import sys; print(sys.version)"]
    )

    assert status == 0, output
    assert output.startswith("3.11."), output
    # run_container removed its container (other tests of this session may have their own).
    left = docker_engine.containers.list(all=True, filters={"ancestor": base_image})
    assert not [c for c in left if "import sys; print(sys.version)" in " ".join(c.attrs["Args"])]


def test_base_image_has_git_venv_and_certificates(docker_engine: Any, base_image: str) -> None:
    script = (
        "git --version && python3 -m venv --without-pip /tmp/v"
        " && ls /etc/ssl/certs/ca-certificates.crt"
    )
    status, output = run_container(docker_engine, base_image, ["sh", "-c", script])
    assert status == 0, output
    assert "git version" in output


def _engine_sh(env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["bash", str(SCRIPTS / "engine.sh")],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except (FileNotFoundError, IndexError):
            return True
        if state == "Z":
            return True
        time.sleep(0.2)
    return False


@pytest.mark.docker
@pytest.mark.slow
def test_engine_script_starts_reuses_and_recovers_an_engine(tmp_path: Path) -> None:
    """scripts/engine.sh on a private socket: cold start, warm no-op, recovery after kill -9."""
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("engine.sh test needs root (CI runs as root)")
        pytest.skip("engine.sh starts dockerd, which needs root")
    sock = os.path.realpath(tmp_path / "d.sock")
    engine_id = hashlib.sha256(sock.encode()).hexdigest()[:8]
    pid_file = Path(f"/var/run/devkit-dockerd-{engine_id}.pid")
    exec_root = Path(f"/var/run/devkit-docker-{engine_id}")
    data_root = tmp_path / "data"
    env = {
        **os.environ,
        "DOCKER_HOST": f"unix://{sock}",
        "DEVKIT_DOCKERD_DATA_ROOT": str(data_root),
        "DEVKIT_DOCKERD_LOG": str(tmp_path / "dockerd.log"),
    }
    had_bridge = Path("/sys/class/net/docker0").exists()
    try:
        assert "started dockerd" in _engine_sh(env)
        assert "nothing to do" in _engine_sh(env)
        # The private engine must leave the main engine's bridge alone.
        assert Path("/sys/class/net/docker0").exists() == had_bridge

        crashed = int(pid_file.read_text())
        os.kill(crashed, signal.SIGKILL)
        assert _wait_gone(crashed, 10)
        out = _engine_sh(env)
        assert f"removing stale {pid_file}" in out
        assert "started dockerd" in out
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGTERM)
            if not _wait_gone(pid, 30):
                os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, 10)
        # dockerd leaves its data root (and a netns in its exec root) mounted.
        for mounted in (data_root, exec_root):
            subprocess.run(["umount", "-R", "-l", str(mounted)], capture_output=True)
        subprocess.run(["rm", "-rf", "--one-file-system", str(exec_root)], check=False)


def test_labelled_objects_are_test_objects(docker_engine: Any) -> None:
    volume = docker_engine.volumes.create(labels=TEST_LABELS)
    try:
        assert volume.attrs["Labels"][TEST_LABEL] == "1"
    finally:
        volume.remove(force=True)


# --- S3 with IAM enforced ---------------------------------------------------------------------


def test_dev_user_has_no_s3_rights_of_its_own(s3_server: S3Server) -> None:
    s3 = s3_server.client("s3", s3_server.dev)
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=s3_server.bucket)
    assert _error(exc) == (403, "AccessDenied")


def test_read_only_role_can_list_and_get(s3_server: S3Server) -> None:
    session = s3_server.assume_role()
    s3 = s3_server.client("s3", session)

    listed = s3.list_objects_v2(Bucket=s3_server.bucket)
    body = s3.get_object(Bucket=s3_server.bucket, Key="README.txt")["Body"].read()

    assert {o["Key"] for o in listed["Contents"]} >= set(s3_server.seeded_keys)
    assert body.startswith(b"synthetic samples")
    who = s3_server.client("sts", session).get_caller_identity()
    assert who["Arn"].endswith(":assumed-role/devkit-training-readonly/devkit-test")
    assert who["Account"] == s3_server.account_id


def test_read_only_role_cannot_put(s3_server: S3Server) -> None:
    s3 = s3_server.client("s3", s3_server.assume_role())
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=s3_server.bucket, Key="test_infra/nope.txt", Body=b"x")
    assert _error(exc) == (403, "AccessDenied")


def test_writer_can_put(s3_server: S3Server) -> None:
    s3 = s3_server.client("s3", s3_server.writer)
    s3.put_object(Bucket=s3_server.bucket, Key="test_infra/written.txt", Body=b"ok")
    assert s3.get_object(Bucket=s3_server.bucket, Key="test_infra/written.txt")["Body"].read()


def test_conditional_put_on_existing_key(s3_server: S3Server) -> None:
    """If-None-Match: * on an existing key: 412 for a writer, 403 (authz first) for the role."""
    writer = s3_server.client("s3", s3_server.writer)
    reader = s3_server.client("s3", s3_server.assume_role())
    key = "test_infra/conditional.txt"
    writer.put_object(Bucket=s3_server.bucket, Key=key, Body=b"first", IfNoneMatch="*")

    with pytest.raises(ClientError) as exc:
        writer.put_object(Bucket=s3_server.bucket, Key=key, Body=b"second", IfNoneMatch="*")
    assert _error(exc) == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as exc:
        reader.put_object(Bucket=s3_server.bucket, Key=key, Body=b"second", IfNoneMatch="*")
    assert _error(exc) == (403, "AccessDenied")
    assert writer.get_object(Bucket=s3_server.bucket, Key=key)["Body"].read() == b"first"


def test_writer_cannot_assume_the_role(s3_server: S3Server) -> None:
    with pytest.raises(ClientError) as exc:
        s3_server.assume_role(s3_server.writer)
    assert _error(exc) == (403, "AccessDenied")


def test_moto_ignores_session_policies(s3_server: S3Server) -> None:
    """Canary: AWS would refuse this GetObject (the session policy allows only ListBucket);
    moto 5 ignores session policies. devkit's session-policy narrowing cannot be proven against
    moto; if this starts failing, moto enforces them now and tests can rely on it.
    """
    only_list = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
    }
    session = s3_server.assume_role(Policy=json.dumps(only_list))
    s3 = s3_server.client("s3", session)
    assert s3.get_object(Bucket=s3_server.bucket, Key="README.txt")["Body"].read()


@pytest.mark.parametrize("secret_ok", [True, False], ids=["unknown-key", "wrong-secret"])
def test_bad_credentials_are_refused(s3_server: S3Server, secret_ok: bool) -> None:
    keys = (
        Keys("AKIAUNKNOWNKEY000000", "x")
        if secret_ok
        else Keys(s3_server.dev.access_key_id, "not-the-secret")
    )
    with pytest.raises(ClientError) as exc:
        s3_server.client("s3", keys).list_objects_v2(Bucket=s3_server.bucket)
    status, code = _error(exc)
    assert status == 403
    assert code in {"InvalidAccessKeyId", "SignatureDoesNotMatch"}


def test_env_for_drives_a_separate_process(s3_server: S3Server) -> None:
    """The env vars alone (no host config) are enough for boto3 in a child process."""
    env = s3_server.env_for(s3_server.assume_role(), base={"PATH": "/usr/bin:/bin"})
    code = (
        "import boto3; s3 = boto3.client('s3');"
        "print(s3.get_object(Bucket='acme-ml-dev-samples', Key='README.txt')['Body'].read())"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "synthetic samples" in proc.stdout


def test_aws_env_fixture_sets_the_process_env(s3_server: S3Server, aws_env: Any) -> None:
    import boto3

    aws_env(s3_server.dev)
    arn = boto3.client("sts").get_caller_identity()["Arn"]
    assert arn.endswith(":user/dev-alice")


# --- git --------------------------------------------------------------------------------------


def test_git_repo_has_one_commit_on_main(git_repo: GitRepo) -> None:
    assert git_repo.git("rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git_repo.git("rev-list", "--count", "HEAD") == "1"
    assert git_repo.git("log", "-1", "--format=%ae") == GIT_EMAIL
    assert git_repo.git("status", "--porcelain") == ""


def test_git_env_isolates_global_config(git_env: dict[str, str]) -> None:
    proc = subprocess.run(
        ["git", "config", "--show-origin", "--get", "user.email"],
        env=git_env,
        capture_output=True,
        text=True,
    )
    assert proc.stdout.split()[-1] == GIT_EMAIL
    assert git_env["GIT_CONFIG_GLOBAL"] in proc.stdout


def test_gitpython_sees_the_repo(git_repo: GitRepo) -> None:
    import git

    repo = git.Repo(git_repo.path)
    assert repo.active_branch.name == "main"
    assert repo.head.commit.hexsha == git_repo.head


def test_build_tree_refuses_escapes(tmp_path: Any) -> None:
    build_tree(tmp_path, {"a/b.txt": "x", "c.bin": b"\0"})
    assert (tmp_path / "a" / "b.txt").read_text() == "x"
    with pytest.raises(ValueError):
        build_tree(tmp_path, {"../escape.txt": "x"})
