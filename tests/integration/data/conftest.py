"""The sync-data tests' additions to the shared IAM-enforcing moto server (``s3_server``).

Shared fixture (tests/support/s3server.py): bucket acme-ml-dev-samples, the read-only role
devkit-training-readonly assumable by dev-alice, and a writer user with s3:* on the bucket.
Added here, under our own names and key prefix (``data-tests/``): a user ``data-dev`` and a
write-capable role ``devkit-data-writer`` it may assume; a role ``devkit-data-prod-reader`` it may
assume that reads every bucket, and a bucket ``acme-ml-prod-samples`` (prod by name) it could
read; a user ``data-scratch`` that reads the bucket and writes only under ``data-tests/scratch/``
(its write probe on the sample is denied, yet it can write); and the objects the tests sync,
including ten 6 MiB objects under ``data-tests/big/`` for the kill -9 test.

What moto enforces matters for what these tests prove (see the shared module's notes): identity
policies and trust policies yes; session policies passed to AssumeRole no (so on moto it is the
write probe, not the session policy, that refuses a writable role); If-None-Match on PutObject
yes, after authorisation (403 for readers, 412 for writers); iam:SimulatePrincipalPolicy no
(HTTP 500 in moto 5.2.5), so on moto own credentials without a role are always refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from support.proxy import LoopbackProxy
from support.s3server import Keys, S3Server

ACCOUNT = "123456789012"
BUCKET = "acme-ml-dev-samples"
ROOT = "data-tests/"
PREFIX = ROOT + "training/v3/"
PROD_BUCKET = "acme-ml-prod-samples"  # matches the prod pattern; readable by the prod-reader role
BIG_COUNT, BIG_SIZE = 10, 6 * 1024 * 1024  # read in 1 MiB chunks: a kill lands mid-file


@dataclass
class MotoIAM:
    server: S3Server
    readonly_role: str
    writer_role: str
    role_user: Keys  # data-dev: may assume devkit-data-writer
    elsewhere_writer: Keys  # data-scratch: reads the bucket, writes only under data-tests/scratch/
    prod_reader_role: str = ""  # devkit-data-prod-reader: read-only on every bucket (data-dev)
    objects: dict[str, bytes] = field(default_factory=dict)
    _s3: Any = None

    @property
    def endpoint(self) -> str:
        return self.server.endpoint_url

    @property
    def dev_key(self) -> Keys:
        return self.server.dev

    @property
    def writer_key(self) -> Keys:
        return self.server.writer

    def client(self, service: str, key: Keys | None = None) -> Any:
        from botocore.config import Config

        key = key or self.server.admin
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.server.region,
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
            # No default CRC32 on uploads: some objects must carry no checksum (ETag = MD5 path).
            config=Config(request_checksum_calculation="when_required", proxies={}),
        )

    def env(self, key: Keys | None) -> dict[str, str]:
        """Process environment for devkit: this endpoint, these keys, no stray AWS config."""
        if key is not None:
            return self.server.env_for(key, os.environ)
        env = self.server.env_for(Keys("unused", "unused"), os.environ)
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        return env

    def put(self, key: str, body: bytes, checksum: str | None = None) -> None:
        extra = {"ChecksumAlgorithm": checksum} if checksum else {}
        if self._s3 is None:
            self._s3 = self.client("s3")
        self._s3.put_object(Bucket=BUCKET, Key=key, Body=body, **extra)
        self.objects[key] = body


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _blob(name: str, size: int) -> bytes:
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


@pytest.fixture(scope="session")
def moto_iam(s3_server: S3Server) -> Iterator[MotoIAM]:
    iam = s3_server.client("iam")
    user_arn = iam.create_user(UserName="data-dev")["User"]["Arn"]
    iam.put_user_policy(
        UserName="data-dev",
        PolicyName="assume",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}),
    )
    created = iam.create_access_key(UserName="data-dev")["AccessKey"]
    trust = _policy({"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole"})
    writer_role = iam.create_role(RoleName="devkit-data-writer", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(
        RoleName="devkit-data-writer",
        PolicyName="p",
        PolicyDocument=_policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}),
    )
    iam.create_user(UserName="data-scratch")
    iam.put_user_policy(
        UserName="data-scratch",
        PolicyName="read-all-write-scratch",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{BUCKET}"},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"},
            {
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:DeleteObject"],
                "Resource": f"arn:aws:s3:::{BUCKET}/{ROOT}scratch/*",
            },
        ),
    )
    scratch = iam.create_access_key(UserName="data-scratch")["AccessKey"]
    prod_reader = iam.create_role(
        RoleName="devkit-data-prod-reader", AssumeRolePolicyDocument=trust
    )
    iam.put_role_policy(
        RoleName="devkit-data-prod-reader",
        PolicyName="read-everything",
        PolicyDocument=_policy(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}
        ),
    )
    s3 = s3_server.client("s3")
    s3.create_bucket(
        Bucket=PROD_BUCKET, CreateBucketConfiguration={"LocationConstraint": s3_server.region}
    )
    s3.put_object(Bucket=PROD_BUCKET, Key=PREFIX + "prod.parquet", Body=b"prod data")
    server = MotoIAM(
        s3_server,
        s3_server.role_arn,
        writer_role["Role"]["Arn"],
        Keys(created["AccessKeyId"], created["SecretAccessKey"]),
        Keys(scratch["AccessKeyId"], scratch["SecretAccessKey"]),
        prod_reader["Role"]["Arn"],
    )
    _seed_objects(server)
    yield server


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
    for i in range(BIG_COUNT):  # objects of several MiB, for the kill -9 test
        name = f"{ROOT}big/obj-{i:02d}.parquet"
        server.put(name, _blob(name, BIG_SIZE))
    server.put(f"{ROOT}escape/ok.parquet", b"fine")
    server.put(f"{ROOT}escape/../outside.parquet", b"must never land outside")


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
    region: str = "eu-west-1",
    env_of_account: str = "dev",
    include: str = '["*.parquet"]',
    bucket: str = BUCKET,
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
        f"    bucket: {bucket}\n    prefix: {prefix}\n    region: {region}\n{role}"
        f"  dest: data/training\n  sample: {{include: {include}}}\n"
        "  synthetic:\n    seed: 1\n    tables:\n      t:\n        rows: 5\n"
        "        columns: {id: {type: uuid}}\n"
    )
    return Workspace(root)


@pytest.fixture
def memo_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """devkit's caches in a folder of the test's own, every cache switched on (the guard's,
    the fast lane, the no-op record)."""
    for name in ("DEVKIT_GUARD_CACHE", "DEVKIT_SYNC_MEMO", "DEVKIT_S3_FAST_LANE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEVKIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def s3_proxy(moto_iam: MotoIAM) -> Iterator[LoopbackProxy]:
    """A loopback proxy in front of moto that records each request's method and path."""
    started = LoopbackProxy(moto_iam.endpoint).start()
    yield started
    started.stop()
