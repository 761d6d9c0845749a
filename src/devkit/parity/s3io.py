"""The boto3 adapter parity needs: read a reference object, write a snapshot.

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


def _client(envs: EnvironmentMap) -> object:
    from devkit.data.aws import caller_identity, session

    sess = session()
    ident = caller_identity(sess)
    if envs.classify_account(ident["account"]) == "prod":
        raise RefusedError(
            f"refusing to use prod credentials (account {ident['account']})",
            "switch AWS_PROFILE to your dev profile",
        )
    return sess.client("s3")


def get_object(url: str, envs: EnvironmentMap) -> bytes:
    from botocore.exceptions import BotoCoreError, ClientError

    from devkit.data.aws import redact

    bucket, key = split_url(url)
    guard_bucket(bucket, envs, writing=False)
    client = _client(envs)
    try:
        body: bytes = client.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "error"))
        if code in ("NoSuchKey", "404", "NoSuchBucket"):
            raise ConfigError(
                f"no parity reference at {url}",
                "check --reference / parity.reference, or ask for staging's deploy to publish it",
            ) from None
        raise NotReadyError(
            f"cannot read {url} ({code}): {redact(str(exc))}",
            "check your dev credentials can read the parity bucket",
        ) from None
    except BotoCoreError as exc:
        raise NotReadyError(
            f"cannot reach S3 for {url}: {redact(str(exc))}", "check the network"
        ) from None
    return body


def put_object(url: str, body: bytes, envs: EnvironmentMap) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    from devkit.data.aws import redact, session

    bucket, key = split_url(url)
    guard_bucket(bucket, envs, writing=True)
    try:
        session().client("s3").put_object(
            Bucket=bucket, Key=key, Body=body, ContentType="application/json"
        )
    except (ClientError, BotoCoreError) as exc:
        raise NotReadyError(
            f"cannot write {url}: {redact(str(exc))}",
            "run the snapshot with staging CI credentials that may write the parity bucket",
        ) from None
