"""Parity references in S3: read one through the data guard, publish a snapshot.

Reads pass the dev-only guard first: prod buckets and prod credentials are refused outright,
staging buckets only when the environments map lists them in ``parity_buckets``. Writes
(``devkit parity snapshot`` in staging's CI) go only to a listed parity bucket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devkit.errors import ConfigError, NotReadyError, RefusedError

if TYPE_CHECKING:
    from devkit.config.environments import EnvironmentMap


def split_url(url: str) -> tuple[str, str]:
    rest = url.removeprefix("s3://")
    bucket, _, key = rest.partition("/")
    if not bucket or not key:
        raise ConfigError(f"'{url}' is not an s3://BUCKET/KEY address", "write s3://BUCKET/KEY")
    return bucket, key


def guard_bucket(bucket: str, envs: EnvironmentMap, writing: bool) -> None:
    kind = envs.classify_bucket(bucket)
    if kind == "prod":
        raise RefusedError(
            f"refusing to touch prod bucket '{bucket}' (per {envs.source})",
            "parity references live in a staging parity bucket; fix the reference address",
        )
    if writing and bucket not in envs.parity_buckets:
        raise RefusedError(
            f"refusing to write to '{bucket}': it is not a parity bucket in {envs.source}",
            "add it to parity_buckets there, or write to a file with --out FILE",
        )
    if kind == "staging" and bucket not in envs.parity_buckets:
        raise RefusedError(
            f"refusing to read staging bucket '{bucket}': not listed in parity_buckets",
            f"add it to parity_buckets in {envs.source} if it holds parity references",
        )


def get_object(url: str, envs: EnvironmentMap) -> bytes:
    """Read through the data package's guard: dev-only, read-only proven, prod refused."""
    from devkit.config.model import DataSource
    from devkit.data.guard import read_only_session

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


def put_object(url: str, body: bytes, envs: EnvironmentMap) -> None:
    """Publish a snapshot (staging CI's credentials); only to a listed parity bucket."""
    from devkit.data.aws import S3, session

    bucket, key = split_url(url)
    guard_bucket(bucket, envs, writing=True)
    try:
        S3(session(), max_pool=1).put(bucket, key, body, "application/json")
    except NotReadyError as exc:
        raise NotReadyError(
            f"cannot write {url}: {exc.what}",
            "run the snapshot with staging CI credentials that may write the parity bucket",
        ) from None
