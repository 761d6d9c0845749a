"""A real S3/STS/IAM endpoint for tests: moto's server on 127.0.0.1 with IAM enforced.

The server starts with ``INITIAL_NO_AUTH_ACTION_COUNT=3``: moto lets exactly the first three
service calls through unauthenticated, and we spend them creating an admin user, its policy and
its access key. From then on every request must be SigV4-signed by a known key and is checked
against that principal's IAM policies, so the account below behaves like a small real one:

- ``acme-ml-dev-samples``: bucket with a few seeded objects (``SEEDED_KEYS``).
- ``devkit-training-readonly``: role allowing only s3:GetObject / s3:ListBucket on that bucket.
- ``dev-alice``: user whose only right is sts:AssumeRole on that role (no S3 of her own, so a
  test that reads data proves the role was assumed).
- ``writer``: user with s3:* on the bucket, to show that writes are refused only by policy.
AWS managed policies are loaded, so a test may attach e.g. arn:aws:iam::aws:policy/ReadOnlyAccess
to a user of its own (create your own users; do not change these).

What moto 5.x enforces (verified by tests/integration/test_infra.py, read from
moto/iam/access_control.py):
- signatures and key ids: unknown key -> 403 InvalidAccessKeyId (S3) / InvalidClientTokenId
  (IAM, STS); wrong secret -> 403 SignatureDoesNotMatch; bad session token -> 400 InvalidToken;
- Action *and* Resource of identity policies, explicit Deny, inline + attached + group policies;
- S3 checks authorisation before preconditions, as AWS does: PutObject(IfNoneMatch="*") on an
  existing key is 412 PreconditionFailed for a writer but 403 AccessDenied for a reader;
- for sts:AssumeRole, the caller's identity policy *and* the role's trust policy. Moto compares
  the trust policy's AWS principal to the caller's ARN literally, so trusting only the account
  root (``arn:aws:iam::ACCOUNT:root``, the usual AWS idiom) would refuse everyone; the trust
  policy therefore names the account root *and* dev-alice's ARN, which real AWS accepts too.

What it does not enforce (do not write tests that rely on these being refused):
- session policies passed to AssumeRole(Policy=...) are stored but ignored: the session gets
  the role's full rights;
- conditions in identity policies are not evaluated against the request (aws:SourceIp,
  aws:SecureTransport…): a statement with a Condition applies as if it held;
- bucket policies, ACLs and other resource policies;
- iam:SimulatePrincipalPolicy is not implemented (HTTP 500, unparseable by botocore);
- sts:GetCallerIdentity is always allowed (as on AWS);
- anyone can POST /moto-api/reset-auth and switch enforcement off: code under test must not.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "eu-west-1"
BUCKET = "acme-ml-dev-samples"
ROLE_NAME = "devkit-training-readonly"
DEV_USER = "dev-alice"
WRITER_USER = "writer"
ADMIN_USER = "admin"
SEEDED_KEYS: dict[str, bytes] = {
    "README.txt": b"synthetic samples for devkit tests\n",
    "samples/train/part-0000.jsonl": b'{"id": 1, "text": "hello"}\n{"id": 2, "text": "world"}\n',
    "samples/train/part-0001.jsonl": b'{"id": 3, "text": "again"}\n',
}
# The number of unauthenticated calls moto allows: exactly what _bootstrap_admin makes.
_BOOTSTRAP_CALLS = 3


@dataclass(frozen=True)
class Keys:
    """One set of AWS credentials (a user's access key, or an assumed-role session)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def __repr__(self) -> str:  # keep secrets out of pytest output
        return f"Keys({self.access_key_id!r}, session={self.session_token is not None})"


@dataclass
class S3Server:
    endpoint_url: str
    account_id: str
    region: str
    bucket: str
    role_arn: str
    admin: Keys
    dev: Keys
    writer: Keys
    seeded_keys: tuple[str, ...]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def env_for(self, keys: Keys, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for a boto3/CLI process using ``keys`` against this server.

        With ``base`` (e.g. ``os.environ``) the result is that environment with every host
        ``AWS_*`` variable removed first, so no profile, SSO or real key leaks into a test.
        Config files point at paths that do not exist for the same reason.
        """
        env = {k: v for k, v in (base or {}).items() if not k.startswith("AWS_")}
        missing = str(self.log_path.parent / "no-such-aws-dir")
        env.update(
            AWS_ACCESS_KEY_ID=keys.access_key_id,
            AWS_SECRET_ACCESS_KEY=keys.secret_access_key,
            AWS_ENDPOINT_URL=self.endpoint_url,
            AWS_DEFAULT_REGION=self.region,
            AWS_REGION=self.region,
            AWS_CONFIG_FILE=f"{missing}/config",
            AWS_SHARED_CREDENTIALS_FILE=f"{missing}/credentials",
            # Never ask the instance metadata service (a link-local address) for anything.
            AWS_EC2_METADATA_DISABLED="true",
            NO_PROXY=_no_proxy(env.get("NO_PROXY")),
            no_proxy=_no_proxy(env.get("no_proxy")),
        )
        if keys.session_token:
            env["AWS_SESSION_TOKEN"] = keys.session_token
        return env

    def client(self, service: str, keys: Keys | None = None) -> Any:
        """A boto3 client for ``service`` signed with ``keys`` (default: admin)."""
        return make_client(self.endpoint_url, self.region, service, keys or self.admin)

    def assume_role(
        self, keys: Keys | None = None, session_name: str = "devkit-test", **kwargs: Any
    ) -> Keys:
        """Assume the read-only role as ``keys`` (default: dev-alice); returns session keys."""
        sts = self.client("sts", keys or self.dev)
        creds = sts.assume_role(RoleArn=self.role_arn, RoleSessionName=session_name, **kwargs)
        c = creds["Credentials"]
        return Keys(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def make_client(endpoint_url: str, region: str, service: str, keys: Keys) -> Any:
    from botocore.config import Config

    # proxies={} (not None) makes botocore ignore HTTP(S)_PROXY: the server is on loopback.
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, proxies={})
    return _shared_session().client(
        service,
        region_name=region,
        endpoint_url=endpoint_url,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
        config=config,
    )


@functools.cache
def _shared_session() -> Any:
    """One boto3 session for every test client: its loader caches the service models, so a
    client costs milliseconds instead of ~0.3 s (1.7 s on a loaded machine). Credentials and
    region are passed per client; the host's profile and config files are ignored.
    """
    import boto3
    import botocore.session
    from botocore.configprovider import ConstantProvider

    core = botocore.session.Session()
    missing = "/nonexistent/devkit-tests/aws"
    core.set_config_variable("config_file", f"{missing}/config")
    core.set_config_variable("credentials_file", f"{missing}/credentials")
    # No profile: an AWS_PROFILE naming a profile that only exists on the host must not matter.
    core.get_component("config_store").set_config_provider("profile", ConstantProvider(None))
    # cast: boto3-stubs types Session strictly; the client() overloads want literal names.
    return cast(Any, boto3.session.Session(botocore_session=core))


def start_s3_server(workdir: Path, timeout: float = 30.0) -> S3Server:
    """Start moto on a free loopback port, bootstrap the account, return its description."""
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "moto.log"
    last_error = "no attempt made"
    for _ in range(3):  # a free port can be taken between probing and binding: retry
        port = _free_port()
        proc = _spawn(port, log_path)
        endpoint = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(endpoint, proc, timeout)
        except RuntimeError as exc:
            last_error = str(exc)
            _terminate(proc)
            continue
        try:
            return _bootstrap(endpoint, proc, log_path)
        except BaseException:
            _terminate(proc)
            raise
    raise RuntimeError(f"moto server did not start: {last_error}; log: {log_path}")


def _spawn(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_"))}
    env.update(
        INITIAL_NO_AUTH_ACTION_COUNT=str(_BOOTSTRAP_CALLS),
        MOTO_ACCOUNT_ID=ACCOUNT_ID,
        # AWS managed policies (arn:aws:iam::aws:policy/AdministratorAccess, ReadOnlyAccess…)
        # exist, so tests can attach them, e.g. to prove a guard refuses admin keys (~0.1 s).
        MOTO_IAM_LOAD_MANAGED_POLICIES="true",
    )
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )


def _wait_until_up(endpoint: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    # /moto-api/ is moto's own dashboard: it answers without counting as a service call, so it
    # does not eat into the unauthenticated bootstrap budget.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"moto exited with status {proc.returncode}")
        with (
            contextlib.suppress(OSError),
            opener.open(f"{endpoint}/moto-api/", timeout=2) as resp,
        ):
            if resp.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"moto did not answer on {endpoint} within {timeout:.0f}s")


def _bootstrap(endpoint: str, proc: subprocess.Popen[bytes], log_path: Path) -> S3Server:
    anonymous = Keys("AKIAIOSFODNN7EXAMPLE", "bootstrap-not-checked")
    iam = make_client(endpoint, REGION, "iam", anonymous)
    # The three unauthenticated calls.
    iam.create_user(UserName=ADMIN_USER)
    iam.put_user_policy(UserName=ADMIN_USER, PolicyName="admin", PolicyDocument=_policy(("*", "*")))
    admin = _access_key(iam, ADMIN_USER)

    iam = make_client(endpoint, REGION, "iam", admin)
    s3 = make_client(endpoint, REGION, "s3", admin)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    for key, body in SEEDED_KEYS.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    bucket_arn = f"arn:aws:s3:::{BUCKET}"
    dev_arn = iam.create_user(UserName=DEV_USER)["User"]["Arn"]
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                # Account root is the real-AWS idiom; moto needs the literal user ARN too.
                "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT_ID}:root", dev_arn]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role_arn = iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]
    iam.put_role_policy(
        RoleName=ROLE_NAME,
        PolicyName="read-samples",
        PolicyDocument=_policy(("s3:ListBucket", bucket_arn), ("s3:GetObject", f"{bucket_arn}/*")),
    )
    iam.put_user_policy(
        UserName=DEV_USER,
        PolicyName="assume-training-readonly",
        PolicyDocument=_policy(("sts:AssumeRole", role_arn)),
    )
    dev = _access_key(iam, DEV_USER)

    iam.create_user(UserName=WRITER_USER)
    iam.put_user_policy(
        UserName=WRITER_USER,
        PolicyName="write-samples",
        PolicyDocument=_policy(("s3:*", bucket_arn), ("s3:*", f"{bucket_arn}/*")),
    )
    writer = _access_key(iam, WRITER_USER)

    server = S3Server(
        endpoint_url=endpoint,
        account_id=ACCOUNT_ID,
        region=REGION,
        bucket=BUCKET,
        role_arn=role_arn,
        admin=admin,
        dev=dev,
        writer=writer,
        seeded_keys=tuple(SEEDED_KEYS),
        log_path=log_path,
        process=proc,
    )
    _assert_enforcing(server)
    return server


def _assert_enforcing(server: S3Server) -> None:
    """Fail loudly if moto is not checking credentials (e.g. a moto upgrade changed that)."""
    from botocore.exceptions import ClientError

    bogus = Keys("AKIAUNKNOWNKEY000000", "wrong")
    try:
        server.client("s3", bogus).list_objects_v2(Bucket=server.bucket)
    except ClientError as exc:
        if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 403:
            return
        raise
    raise RuntimeError("moto accepted an unknown access key: IAM enforcement is off")


def _access_key(iam: Any, user: str) -> Keys:
    key = iam.create_access_key(UserName=user)["AccessKey"]
    return Keys(key["AccessKeyId"], key["SecretAccessKey"])


def _policy(*statements: tuple[str, str]) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": action, "Resource": resource}
                for action, resource in statements
            ],
        }
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _no_proxy(current: str | None) -> str:
    hosts = [h for h in (current or "").split(",") if h]
    for h in ("127.0.0.1", "localhost"):
        if h not in hosts:
            hosts.append(h)
    return ",".join(hosts)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
