"""A moto server with IAM enforcement on 127.0.0.1, set up for the sync-data tests.

Only the first three requests are unauthenticated (INITIAL_NO_AUTH_ACTION_COUNT=3): they create
an admin user and its key; everything after is signed and checked against IAM policies.
Note what moto does and does not enforce (moto 5.2): identity policies of users and of assumed
roles, and role trust policies (principal must match exactly) — yes; session policies passed to
AssumeRole — no (so the write probe, not the session policy, is what refuses a writable role
here); PutObject If-None-Match — yes (412 on an existing key, after authorisation);
iam:SimulatePrincipalPolicy — no (HTTP 500, treated as "simulator n/a").
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

ACCOUNT = "123456789012"
BUCKET = "acme-ml-dev-samples"
PREFIX = "training/v3/"


@dataclass
class MotoIAM:
    endpoint: str
    dev_key: dict[str, str]
    writer_key: dict[str, str]
    admin: dict[str, str]
    readonly_role: str
    writer_role: str
    objects: dict[str, bytes] = field(default_factory=dict)
    _s3: Any = None

    def client(self, service: str, key: dict[str, str] | None = None) -> Any:
        from botocore.config import Config

        key = key or self.admin
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            # No default CRC32 on uploads: some objects must carry no checksum (ETag = MD5 path).
            config=Config(request_checksum_calculation="when_required"),
        )

    def env(self, key: dict[str, str] | None) -> dict[str, str]:
        """Process environment for devkit: this endpoint, these keys, no stray AWS config."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=os.devnull,
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
            AWS_EC2_METADATA_DISABLED="true",
        )
        if key:
            env.update(
                AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"]
            )
        return env

    def put(self, key: str, body: bytes, checksum: str | None = None) -> None:
        extra = {"ChecksumAlgorithm": checksum} if checksum else {}
        if self._s3 is None:
            self._s3 = self.client("s3")
        self._s3.put_object(Bucket=BUCKET, Key=key, Body=body, **extra)
        self.objects[key] = body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _blob(name: str, size: int) -> bytes:
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


@pytest.fixture(scope="session")
def moto_iam(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoIAM]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(INITIAL_NO_AUTH_ACTION_COUNT="3", MOTO_ACCOUNT_ID=ACCOUNT)
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        anon = {"AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "x"}
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=anon["AccessKeyId"],
            aws_secret_access_key=anon["SecretAccessKey"],
        )
        iam.create_user(UserName="admin")  # the three unauthenticated requests
        iam.put_user_policy(
            UserName="admin",
            PolicyName="all",
            PolicyDocument=_policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        )
        admin = iam.create_access_key(UserName="admin")["AccessKey"]
        server = MotoIAM(endpoint, {}, {}, admin, "", "")
        iam = server.client("iam")
        s3 = server.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        dev_arn = f"arn:aws:iam::{ACCOUNT}:user/dev"
        trust = _policy(
            {"Effect": "Allow", "Principal": {"AWS": dev_arn}, "Action": "sts:AssumeRole"}
        )
        read = _policy(
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            }
        )
        write = _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
        for role, policy in (("devkit-readonly", read), ("devkit-writer", write)):
            iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
            iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=policy)
        for user, actions in (("dev", ["sts:AssumeRole"]), ("writer", ["s3:*"])):
            iam.create_user(UserName=user)
            iam.put_user_policy(
                UserName=user,
                PolicyName="p",
                PolicyDocument=_policy({"Effect": "Allow", "Action": actions, "Resource": "*"}),
            )
        server.dev_key = iam.create_access_key(UserName="dev")["AccessKey"]
        server.writer_key = iam.create_access_key(UserName="writer")["AccessKey"]
        server.readonly_role = f"arn:aws:iam::{ACCOUNT}:role/devkit-readonly"
        server.writer_role = f"arn:aws:iam::{ACCOUNT}:role/devkit-writer"
        _seed_objects(server)
        yield server
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _seed_objects(server: MotoIAM) -> None:
    """The sample: checksummed, plain and multipart objects, plus files the rules skip."""
    for i in range(12):
        name = f"{PREFIX}part-{i:02d}.parquet"
        server.put(name, _blob(name, 40_000 + i * 1000), "SHA256" if i % 3 == 0 else None)
    server.put(f"{PREFIX}nested/deep/extra.parquet", _blob("extra", 5000), "CRC32")
    server.put(f"{PREFIX}README.txt", b"not part of the sample")
    big = _blob("multipart", 11 * 1024 * 1024)
    s3 = server.client("s3")
    key = f"{PREFIX}multi.parquet"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(big), 6 * 1024 * 1024), start=1):
        etag = s3.upload_part(
            Bucket=BUCKET,
            Key=key,
            UploadId=upload,
            PartNumber=number,
            Body=big[start : start + 6 * 1024 * 1024],
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": parts}
    )
    server.objects[key] = big
    for i in range(400):  # many small objects, for the kill -9 test
        name = f"many/obj-{i:04d}.parquet"
        server.put(name, _blob(name, 64 * 1024))
    server.put("escape/ok.parquet", b"fine")
    server.put("escape/../outside.parquet", b"must never land outside")


def sha_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclass
class Workspace:
    root: Path
    profile: str = "sample"

    def dest(self) -> Path:
        return self.root / "data" / "training"


def make_workspace(
    root: Path,
    role_arn: str | None,
    *,
    prefix: str = PREFIX,
    env_of_account: str = "dev",
    include: str = '["*.parquet"]',
) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    devkit = root / ".devkit"
    (devkit / "profiles").mkdir(parents=True, exist_ok=True)
    accounts = {"dev": "[]", "staging": "[]", "prod": "[]"}
    accounts[env_of_account] = f'["{ACCOUNT}"]'
    (devkit / "environments.yaml").write_text(
        "environments:\n"
        f"  dev: {{accounts: {accounts['dev']}, buckets: ['acme-ml-dev-*']}}\n"
        f"  staging: {{accounts: {accounts['staging']}, buckets: ['acme-ml-staging-*']}}\n"
        f"  prod: {{accounts: {accounts['prod']}, buckets: ['acme-ml-prod-*']}}\n"
    )
    role = f'    role_arn: "{role_arn}"\n' if role_arn else ""
    (devkit / "profiles" / "sample.yaml").write_text(
        "name: sample\nextends: base\ndescription: training against the test server\n"
        "data:\n  source:\n"
        f"    bucket: {BUCKET}\n    prefix: {prefix}\n    region: us-east-1\n{role}"
        f"  dest: data/training\n  sample: {{include: {include}}}\n"
        "  synthetic:\n    seed: 1\n    tables:\n      t:\n        rows: 5\n"
        "        columns: {id: {type: uuid}}\n"
    )
    return Workspace(root)
