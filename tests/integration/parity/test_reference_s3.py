"""A reference published to S3 and read back through the read-only guard, then from the cache.

Real moto server over HTTP on 127.0.0.1 with IAM enforced (tests/support/s3server.py).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from support.proxy import LoopbackProxy

# moto has one account (123456789012). Here it plays staging, whose deploy role publishes the
# reference; the test server's bucket is staging's parity bucket.
ENVIRONMENTS = """\
environments:
  dev: {accounts: ["111111111111"], buckets: ["acme-ml-devbox-*"]}
  staging: {accounts: ["123456789012"], buckets: ["acme-ml-dev-samples", "acme-ml-staging-*"]}
  prod: {accounts: ["333333333333"], buckets: ["acme-ml-prod-*"]}
parity_buckets: ["acme-ml-dev-samples"]
"""
# The same account mapped to dev: the developer's own credentials, even write-capable ones.
DEV_ENVIRONMENTS = ENVIRONMENTS.replace(
    'dev: {accounts: ["111111111111"]', 'dev: {accounts: ["123456789012"]'
).replace('staging: {accounts: ["123456789012"]', 'staging: {accounts: ["222222222222"]')


def _setup(workspace: Any, environments: str = ENVIRONMENTS) -> None:
    (Path(workspace.root) / ".devkit" / "environments.yaml").write_text(environments)


def _keys_under(s3_server: Any, prefix: str) -> list[str]:
    listing = s3_server.client("s3").list_objects_v2(Bucket=s3_server.bucket, Prefix=prefix)
    return [o["Key"] for o in listing.get("Contents", [])]


def test_publishing_with_dev_credentials_is_refused_and_writes_nothing(
    workspace: Any, s3_server: Any
) -> None:
    _setup(workspace, DEV_ENVIRONMENTS)
    prefix = f"parity-tests/{uuid.uuid4().hex}/"
    writer = s3_server.env_for(s3_server.writer, base=workspace.env)  # may write, by IAM
    snap = workspace.devkit(
        "parity", "snapshot", "--profile", "demo", "--out", f"s3://{s3_server.bucket}/{prefix}demo.json",
        env=writer,
    )  # fmt: skip
    assert snap.returncode == 4, snap.stdout + snap.stderr
    lines = snap.stderr.strip().splitlines()
    assert "refusing to publish a parity reference with dev credentials" in lines[-2]
    assert "account 123456789012 is dev" in lines[-2]
    assert lines[-1].startswith("hint: ") and "Traceback" not in snap.stderr
    assert _keys_under(s3_server, prefix) == []


def test_publishing_outside_the_staging_parity_buckets_is_refused(
    workspace: Any, s3_server: Any
) -> None:
    _setup(workspace)
    writer = s3_server.env_for(s3_server.writer, base=workspace.env)
    for url, said in (
        ("s3://acme-ml-staging-other/demo.json", "not a parity bucket"),
        ("s3://acme-ml-prod-parity/demo.json", "prod bucket"),
    ):
        snap = workspace.devkit("parity", "snapshot", "--profile", "demo", "--out", url, env=writer)
        assert snap.returncode == 4, snap.stdout + snap.stderr
        assert said in snap.stderr
    # A parity-listed bucket that the map classifies dev is not staging's either.
    _setup(
        workspace,
        ENVIRONMENTS.replace('"acme-ml-devbox-*"', '"acme-ml-dev-*"').replace(
            'buckets: ["acme-ml-dev-samples", "acme-ml-staging-*"]',
            'buckets: ["acme-ml-staging-*"]',
        ),
    )
    prefix = f"parity-tests/{uuid.uuid4().hex}/"
    snap = workspace.devkit(
        "parity", "snapshot", "--profile", "demo", "--out", f"s3://{s3_server.bucket}/{prefix}d.json",
        env=writer,
    )  # fmt: skip
    assert snap.returncode == 4, snap.stdout + snap.stderr
    assert "is dev, not a staging bucket" in snap.stderr
    assert _keys_under(s3_server, prefix) == []


def test_snapshot_to_s3_then_check_through_the_guard_and_the_cache(
    workspace: Any, s3_server: Any
) -> None:
    _setup(workspace)
    url = f"s3://{s3_server.bucket}/parity-tests/{uuid.uuid4().hex}/demo.json"
    writer = s3_server.env_for(s3_server.writer, base=workspace.env)
    snap = workspace.devkit("parity", "snapshot", "--profile", "demo", "--out", url, env=writer)
    assert snap.returncode == 0, snap.stderr
    body = s3_server.client("s3").get_object(Bucket=s3_server.bucket, Key=url.split("/", 3)[3])
    assert json.loads(body["Body"].read())["profile"] == "demo"

    # Write-capable credentials are refused for reading (the guard proves read-only first).
    refused = workspace.devkit("check", "--profile", "demo", "--reference", url, env=writer)
    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert "can write" in refused.stderr

    # A session of a read-only role, but no role configured: nothing proves it read-only on the
    # whole bucket (moto has no policy simulator), so the guard fails closed.
    session = s3_server.env_for(s3_server.assume_role(), base=workspace.env)
    unproven = workspace.devkit("check", "--profile", "demo", "--reference", url, env=session)
    assert unproven.returncode == 4, unproven.stdout + unproven.stderr
    assert "cannot prove" in unproven.stderr and "role_arn" in unproven.stderr

    # The environments map names the read-only role: devkit assumes it with the list+get
    # session policy (dev-alice's own keys may only assume it).
    envs_file = Path(workspace.root) / ".devkit" / "environments.yaml"
    envs_file.write_text(ENVIRONMENTS + f'parity_role_arn: "{s3_server.role_arn}"\n')
    role = s3_server.env_for(s3_server.dev, base=workspace.env)
    proc = workspace.devkit("check", "--profile", "demo", "--reference", url, "--json", env=role)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads(proc.stdout)
    assert report["reference"]["source"] == url and report["reference"]["cached_age_s"] is None

    # No credentials at all: the cached copy answers; --refresh must go to S3 and cannot.
    bare = {k: v for k, v in workspace.env.items() if not k.startswith("AWS_")}
    bare["AWS_ENDPOINT_URL"] = s3_server.endpoint_url
    bare["AWS_CONFIG_FILE"] = bare["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent"
    bare["AWS_EC2_METADATA_DISABLED"] = "true"
    bare["AWS_DEFAULT_REGION"] = s3_server.region
    cached = workspace.devkit("check", "--profile", "demo", "--reference", url, "--json", env=bare)
    assert cached.returncode == 0, cached.stderr
    assert json.loads(cached.stdout)["reference"]["cached_age_s"] >= 0
    fresh = workspace.devkit(
        "check", "--profile", "demo", "--reference", url, "--refresh", env=bare
    )
    assert fresh.returncode == 3, fresh.stdout + fresh.stderr
    assert "credentials" in fresh.stderr


def test_prod_reference_is_refused_before_any_request(workspace: Any, s3_server: Any) -> None:
    """Usable credentials and a role are configured, the endpoint is a counting proxy in front
    of moto: the prod address is refused from its name alone, and nothing reaches the wire."""
    _setup(workspace)
    envs_file = Path(workspace.root) / ".devkit" / "environments.yaml"
    envs_file.write_text(ENVIRONMENTS + f'parity_role_arn: "{s3_server.role_arn}"\n')
    proxy = LoopbackProxy(s3_server.endpoint_url).start()
    try:
        env = {
            **s3_server.env_for(s3_server.dev, base=workspace.env),
            "AWS_ENDPOINT_URL": proxy.url,
        }
        proc = workspace.devkit(
            "check", "--profile", "demo", "--reference", "s3://acme-ml-prod-parity/demo.json",
            "--refresh", env=env,
        )  # fmt: skip
    finally:
        proxy.stop()
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "prod bucket 'acme-ml-prod-parity'" in proc.stderr
    assert proxy.requests == []


def test_missing_s3_reference_is_a_clear_error(workspace: Any, s3_server: Any) -> None:
    _setup(workspace)
    envs_file = Path(workspace.root) / ".devkit" / "environments.yaml"
    envs_file.write_text(ENVIRONMENTS + f'parity_role_arn: "{s3_server.role_arn}"\n')
    role = s3_server.env_for(s3_server.dev, base=workspace.env)
    url = f"s3://{s3_server.bucket}/parity-tests/{uuid.uuid4().hex}/nothing.json"
    proc = workspace.devkit("check", "--profile", "demo", "--reference", url, env=role)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "nothing under" in proc.stderr
