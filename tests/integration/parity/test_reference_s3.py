"""A reference published to S3 and read back through the read-only guard, then from the cache.

Real moto server over HTTP on 127.0.0.1 with IAM enforced (tests/support/s3server.py).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from support.proxy import LoopbackProxy

ENVIRONMENTS = """\
environments:
  dev: {accounts: ["123456789012"], buckets: ["acme-ml-dev-*"]}
  staging: {accounts: ["222222222222"], buckets: ["acme-ml-staging-*"]}
  prod: {accounts: ["333333333333"], buckets: ["acme-ml-prod-*"]}
parity_buckets: ["acme-ml-dev-samples"]
"""


def _setup(workspace: Any) -> None:
    (Path(workspace.root) / ".devkit" / "environments.yaml").write_text(ENVIRONMENTS)


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
