"""Parity references in S3: read one through the data guard, publish a snapshot.

Reads pass the dev-only guard first: prod buckets and prod credentials are refused outright,
staging buckets only when the environments map lists them in ``parity_buckets``. Writes
(``devkit parity snapshot`` in staging's deploy) go only to a staging bucket listed in
``parity_buckets``, and only with credentials of an account the map classifies as staging:
dev credentials are refused before any write (exit 4).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from devkit.config.model import DataSource
from devkit.core.errors import ConfigError, NotReadyError, RefusedError
from devkit.data.aws import S3, caller_identity, session
from devkit.data.guard import read_only_session

if TYPE_CHECKING:
    from devkit.config.environments import EnvironmentMap


def split_url(url: str) -> tuple[str, str]:
    rest = url.removeprefix("s3://")
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise ConfigError(f"'{url}' is not an s3://BUCKET/KEY address", "write s3://BUCKET/KEY")
    return bucket, key


def is_parity_bucket(bucket: str, envs: EnvironmentMap) -> bool:
    """Listed in ``parity_buckets`` (names or fnmatch patterns, as the data guard reads them)."""
    return any(fnmatchcase(bucket, pattern) for pattern in envs.parity_buckets)


def guard_bucket(bucket: str, envs: EnvironmentMap, writing: bool) -> None:
    kind = envs.classify_bucket(bucket)
    if kind == "prod":
        raise RefusedError(
            f"refusing to touch prod bucket '{bucket}' (per {envs.source})",
            "parity references live in a staging parity bucket; fix the reference address",
        )
    if writing and not is_parity_bucket(bucket, envs):
        raise RefusedError(
            f"refusing to write to '{bucket}': it is not a parity bucket in {envs.source}",
            "publish to staging's parity bucket (parity_buckets there), or use --out FILE",
        )
    if writing and kind != "staging":
        raise RefusedError(
            f"refusing to write to '{bucket}': it is {kind}, not a staging bucket ({envs.source})",
            "staging's deploy publishes to the staging parity bucket; fix the --out address",
        )
    if kind == "staging" and bucket not in envs.parity_buckets:
        raise RefusedError(
            f"refusing to read staging bucket '{bucket}': not listed in parity_buckets",
            f"add it to parity_buckets in {envs.source} if it holds parity references",
        )


def get_object(url: str, envs: EnvironmentMap) -> bytes:
    """Read through the data package's guard: dev-only, read-only proven, prod refused."""

    bucket, key = split_url(url)
    guard_bucket(bucket, envs, writing=False)
    # Without a probe key the guard lists under the prefix (the key itself) and probes the first
    # object found, so a missing reference is "nothing under ..." and never a write attempt.
    source = DataSource(bucket=bucket, prefix=key, role_arn=envs.parity_role_arn)
    guarded = read_only_session(source, envs, purpose="parity")
    s3 = guarded.s3(max_pool=2)
    body, _ = s3.get(bucket, key)
    try:
        data: bytes = body.read()
    except s3.read_errors() as exc:
        raise NotReadyError(f"reading {url} was interrupted: {exc}", "run it again") from None
    return data


def guard_publisher(account: str, principal: str, envs: EnvironmentMap) -> None:
    """Only staging's own identity publishes: dev, prod and unmapped accounts are refused."""
    kind = envs.classify_account(account)
    if kind == "staging":
        return
    if kind == "dev":
        raise RefusedError(
            f"refusing to publish a parity reference with dev credentials ({principal}: "
            f"account {account} is dev per {envs.source})",
            "the reference is staging's: run the snapshot in staging's deploy job with its "
            "deploy role (examples/staging-parity/)",
        )
    raise RefusedError(
        f"refusing to publish a parity reference as {principal}: account {account} is {kind}, "
        f"not staging (per {envs.source})",
        "publish with staging's deploy role; add staging's account to the environments map",
    )


def put_object(url: str, body: bytes, envs: EnvironmentMap) -> None:
    """Publish a snapshot: only staging's identity, only to a staging parity bucket. Both are
    checked before the one write."""

    bucket, key = split_url(url)
    guard_bucket(bucket, envs, writing=True)
    sess = session()
    ident = caller_identity(sess)
    guard_publisher(ident["account"], ident["arn"], envs)
    try:
        S3(sess, max_pool=1).put(bucket, key, body, "application/json")
    except NotReadyError as exc:
        raise NotReadyError(
            f"cannot write {url}: {exc.what}",
            "run the snapshot with staging CI credentials that may write the parity bucket",
        ) from None
