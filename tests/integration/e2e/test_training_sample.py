"""`devkit init --data sample` against moto with IAM enforcement and the credential broker.

The host has dev-alice's long-lived keys (allowed only to assume the read-only role). `devkit init`
starts the broker; the container gets the broker's folder read-only at /run/devkit-aws and an AWS
config whose credential_process asks it. boto3 inside the container reads the sample and cannot
write; neither the image (history and layers), `docker inspect`, the logs nor the workspace hold
the host's secret key or the session's secret key and token. Containers use the host's network and
reach moto at 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from support.engine import TEST_LABELS
from support.gitrepo import GitRepo
from support.s3server import S3Server
from support.secrets_scan import assert_no_secrets

from .conftest import (
    devkit,
    devkit_env,
    init_args,
    sample_workspace,
    snapshot_reference,
    the_container,
    timed,
)

PROFILE = "training"
BRANCH = "feat/e2e-sample"
PREFIX = "training/e2e-sample/"

BOTO_IN_CONTAINER = """
import json, sys, boto3
from botocore.exceptions import ClientError
s3 = boto3.client("s3")
body = s3.get_object(Bucket=sys.argv[1], Key=sys.argv[2])["Body"].read()
try:
    s3.put_object(Bucket=sys.argv[1], Key=sys.argv[2] + ".copy", Body=b"x")
    write = "allowed"
except ClientError as exc:
    write = exc.response["Error"]["Code"]
ident = boto3.client("sts").get_caller_identity()["Arn"]
print(json.dumps({"read": len(body), "write": write, "arn": ident}))
"""


def parquet_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def profile_override(server: S3Server) -> str:
    return (
        "name: training\n"
        "extends: training\n"
        "data:\n"
        "  source:\n"
        f"    bucket: {server.bucket}\n"
        f"    prefix: {PREFIX}\n"
        f"    region: {server.region}\n"
        f'    role_arn: "{server.role_arn}"\n'
        "parity:\n"
        "  reference: .devkit/reference/{profile}.json\n"
    )


ENVIRONMENTS = """\
environments:
  dev:
    accounts: ["123456789012"]
    buckets: ["acme-ml-dev-*"]
  staging:
    accounts: ["222222222222"]
    buckets: ["acme-ml-staging-*"]
  prod:
    accounts: ["333333333333"]
    buckets: ["acme-ml-prod-*"]
"""


@pytest.fixture(scope="module")
def seeded(s3_server: S3Server) -> dict[str, bytes]:
    documents = pa.table(
        {
            "id": [f"doc-{i}" for i in range(300)],
            "language": [("en", "de", "fr")[i % 3] for i in range(300)],
            "label": [i % 10 for i in range(300)],
        }
    )
    labels = pa.table({"label": list(range(10)), "name": [f"label {i}" for i in range(10)]})
    objects = {
        "documents.parquet": parquet_bytes(documents),
        "labels.parquet": parquet_bytes(labels),
    }
    s3 = s3_server.client("s3")
    for name, body in objects.items():
        s3.put_object(Bucket=s3_server.bucket, Key=PREFIX + name, Body=body)
    return objects


@pytest.fixture(scope="module")
def ws(
    tmp_path_factory: pytest.TempPathFactory,
    docker_engine: Any,
    base_image: str,
    s3_server: S3Server,
    seeded: dict[str, bytes],
) -> Any:
    repo = sample_workspace(
        tmp_path_factory.mktemp("e2e-sample") / "ml-platform",
        {
            ".devkit/profiles/training.yaml": profile_override(s3_server),
            ".devkit/environments.yaml": ENVIRONMENTS,
        },
    )
    # The host's AWS: dev-alice's keys (her only right: assume the read-only role), moto's
    # endpoint; a private runtime folder for the broker.
    runtime = tmp_path_factory.mktemp("runtime")
    os.chmod(runtime, 0o700)
    env = devkit_env(repo, {"XDG_RUNTIME_DIR": str(runtime)})
    env = s3_server.env_for(s3_server.dev, base=env)
    started = time.monotonic()
    proc = devkit(repo, *init_args(PROFILE, BRANCH, base_image, data="sample"), env=env)
    timed("init training (sample, broker)", started)
    yield {"repo": repo, "env": env, "init": proc, "runtime": runtime}
    devkit(repo, "down", env=env)


def test_init_syncs_the_sample_in_the_container_through_the_broker(
    ws: dict[str, Any], docker_engine: Any, seeded: dict[str, bytes]
) -> None:
    repo: GitRepo = ws["repo"]
    assert ws["init"].returncode == 0, ws["init"].stdout + ws["init"].stderr
    assert "credentials broker running" in ws["init"].stdout
    data_log = (repo.path / ".devkit/logs/post-create/data.log").read_text()
    assert "data: sample, because read-only credentials reach the container" in data_log
    for name, body in seeded.items():
        assert (repo.path / "data" / "training" / name).read_bytes() == body
    container = the_container(docker_engine, repo.path)
    mounts = {m["Destination"]: m for m in container.attrs["Mounts"]}
    assert mounts["/run/devkit-aws"]["RW"] is False
    env = dict(e.split("=", 1) for e in container.attrs["Config"]["Env"])
    assert env["AWS_CONFIG_FILE"] == "/run/devkit-aws/config"
    assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} & set(env)


def test_boto3_in_the_container_reads_but_cannot_write(
    ws: dict[str, Any], docker_engine: Any, s3_server: S3Server, seeded: dict[str, bytes]
) -> None:
    container = the_container(docker_engine, ws["repo"].path)
    result = container.exec_run(
        ["/opt/devkit/bin/python", "-c", BOTO_IN_CONTAINER, s3_server.bucket,
         PREFIX + "documents.parquet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output.decode()
    answer = json.loads(result.output.decode().strip().splitlines()[-1])
    assert answer["read"] == len(seeded["documents.parquet"])
    assert answer["write"] == "AccessDenied"
    assert ":assumed-role/devkit-training-readonly/" in answer["arn"]


def test_no_secret_in_image_inspect_logs_or_workspace(
    ws: dict[str, Any], docker_engine: Any, s3_server: S3Server
) -> None:
    repo: GitRepo = ws["repo"]
    container = the_container(docker_engine, repo.path)
    # The session the container actually holds: ask the broker the way the SDK does.
    got = container.exec_run(
        ["devkit", "credentials", "get", "--socket", "/run/devkit-aws/broker.sock"]
    )
    assert got.exit_code == 0, got.output.decode()
    session = json.loads(got.output.decode())
    secrets = {
        "host secret key": s3_server.dev.secret_access_key,
        "session secret key": session["SecretAccessKey"],
        "session token": session["SessionToken"],
    }
    assert all(len(v) >= 16 for v in secrets.values())

    def clean(where: str, blob: bytes) -> None:
        for name, value in secrets.items():
            assert value.encode() not in blob, f"{name} found in {where}"

    # inspect, history, labels and every layer's bytes, each checked on its own
    # (tests/integration/container/test_secret_scan.py proves each check fires).
    started = time.monotonic()
    assert_no_secrets(docker_engine, container.attrs["Image"], secrets, container.id)
    timed("scan image layers", started)
    clean("devkit init output", (ws["init"].stdout + ws["init"].stderr).encode())
    for path in repo.path.rglob("*"):
        if path.is_file():
            clean(str(path.relative_to(repo.path)), path.read_bytes())
    runtime: Path = ws["runtime"]
    for path in runtime.rglob("*"):
        if path.is_file():
            clean(str(path), path.read_bytes())


def test_a_dead_broker_is_a_clear_error_and_init_brings_it_back(
    ws: dict[str, Any], docker_engine: Any, base_image: str
) -> None:
    repo: GitRepo = ws["repo"]
    container = the_container(docker_engine, repo.path)
    (pid_file,) = Path(ws["runtime"]).rglob("broker.pid")
    os.kill(int(pid_file.read_text()), signal.SIGKILL)  # leaves a stale socket and pid file
    ask = ["devkit", "credentials", "get", "--socket", "/run/devkit-aws/broker.sock"]
    dead = container.exec_run(ask, demux=True)
    assert dead.exit_code == 3
    assert b"run 'devkit init'" in (dead.output[1] or b"")
    again = devkit(repo, *init_args(PROFILE, BRANCH, base_image, data="sample"), env=ws["env"])
    assert again.returncode == 0, again.stdout + again.stderr
    assert "credentials broker running" in again.stdout
    assert the_container(docker_engine, repo.path).id == container.id  # no new container
    assert container.exec_run(ask).exit_code == 0


def _ide_writer_role(server: S3Server) -> tuple[str, dict[str, str]]:
    """A user that may assume a write-capable role, and that role (both new, for this test)."""
    iam = server.client("iam")
    suffix = uuid.uuid4().hex[:8]
    user_arn = iam.create_user(UserName=f"e2e-ide-{suffix}")["User"]["Arn"]
    iam.put_user_policy(
        UserName=f"e2e-ide-{suffix}",
        PolicyName="assume",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
            }
        ),
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"}
        ],
    }
    role_arn = iam.create_role(
        RoleName=f"devkit-e2e-ide-writer-{suffix}", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=f"devkit-e2e-ide-writer-{suffix}",
        PolicyName="write",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
            }
        ),
    )
    key = iam.create_access_key(UserName=f"e2e-ide-{suffix}")["AccessKey"]
    return role_arn, {
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
    }


@pytest.mark.parametrize("identity", ["read-only role", "write-capable role"])
def test_cloud_ide_post_create_uses_the_standard_chain_through_the_guard(
    ws: dict[str, Any],
    docker_engine: Any,
    s3_server: S3Server,
    seeded: dict[str, bytes],
    tmp_path: Path,
    identity: str,
) -> None:
    """A cloud IDE: the dev image, host network, a fresh workspace, no broker mount, AWS keys
    only in the environment of `devkit post-create` (as Codespaces secrets arrive). A read-only
    role configured → the sample; a write-capable role → refused by the guard (on moto its
    session policy is ignored; the write probe refuses it) and synthetic data, post-create ok."""
    if identity == "read-only role":
        role_arn = server_role = s3_server.role_arn
        keys = {
            "AWS_ACCESS_KEY_ID": s3_server.dev.access_key_id,
            "AWS_SECRET_ACCESS_KEY": s3_server.dev.secret_access_key,
        }
    else:
        role_arn, keys = _ide_writer_role(s3_server)
        server_role = s3_server.role_arn
    override = profile_override(s3_server).replace(server_role, role_arn)
    repo = sample_workspace(
        tmp_path / "ide" / "ml-platform",
        {".devkit/profiles/training.yaml": override, ".devkit/environments.yaml": ENVIRONMENTS},
    )
    image_id = the_container(docker_engine, ws["repo"].path).attrs["Image"]
    dev_container = the_container(docker_engine, ws["repo"].path)
    container = docker_engine.containers.run(
        image_id,
        ["sleep", "infinity"],
        detach=True,
        network_mode="host",
        volumes={str(repo.path): {"bind": "/workspace", "mode": "rw"}},
        working_dir="/workspace",
        user=dev_container.attrs["Config"]["User"] or None,
        environment={"DEVKIT_WORKSPACE": "/workspace"},
        labels=TEST_LABELS,
    )
    try:
        env = {
            **keys,
            "AWS_ENDPOINT_URL": s3_server.endpoint_url,
            "AWS_DEFAULT_REGION": s3_server.region,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        started = time.monotonic()
        result = container.exec_run(
            ["devkit", "post-create", "--profile", PROFILE, "--no-input"],
            environment=env,
            workdir="/workspace",
        )
        timed(f"post-create in a cloud-IDE container ({identity})", started)
        output = result.output.decode()
        assert result.exit_code == 0, output
        config_env = json.dumps(container.attrs["Config"]["Env"])
        assert keys["AWS_SECRET_ACCESS_KEY"] not in config_env + output
    finally:
        container.remove(force=True)
    log = (repo.path / ".devkit/logs/post-create/data.log").read_text()
    assert "no credentials broker is mounted" in log
    assert "the AWS credential chain provides environment keys" in log
    dest = repo.path / "data" / "training"
    if identity == "read-only role":
        assert "read-only: verified" in log
        for name, body in seeded.items():
            assert (dest / name).read_bytes() == body
    else:
        assert "the S3 sample was refused: these credentials can write" in log
        assert "data: synthetic, because the S3 sample was refused" in log
        assert not any((dest / name).exists() and (dest / name).read_bytes() == body
                       for name, body in seeded.items())  # fmt: skip
        assert list(dest.glob("*.parquet"))


def test_run_then_check_green_and_down_stops_the_broker(
    ws: dict[str, Any], docker_engine: Any, base_image: str
) -> None:
    repo: GitRepo = ws["repo"]
    proc = devkit(repo, "run", "--", "python", "training/train.py", env=ws["env"])
    assert proc.returncode == 0 and "trained on 300 rows" in proc.stdout
    snapshot_reference(docker_engine, repo, PROFILE, base_image)
    check = devkit(repo, "check", env=ws["env"])
    assert check.returncode == 0, check.stdout
    pid_files = list(Path(ws["runtime"]).rglob("broker.pid"))
    assert len(pid_files) == 1
    pid = int(pid_files[0].read_text())
    down = devkit(repo, "down", env=ws["env"])
    assert down.returncode == 0 and "credentials broker stopped" in down.stdout
    assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
