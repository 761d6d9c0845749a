from __future__ import annotations

import json

import pytest

from devkit.config.environments import load_environments
from devkit.config.model import DataSource
from devkit.data.aws import redact
from devkit.data.guard import check_account, check_bucket, read_only_policy, session_name
from devkit.errors import RefusedError

ENVS = load_environments(None)


def test_prod_bucket_and_account_are_refused() -> None:
    with pytest.raises(RefusedError):
        check_bucket(DataSource("acme-ml-prod-lake"), ENVS, "sample")
    with pytest.raises(RefusedError):
        check_bucket(DataSource("acme-ml-dev-prod"), ENVS, "sample")
    source = DataSource("acme-ml-dev-samples")
    with pytest.raises(RefusedError):
        check_account("333333333333", "the session", source, ENVS, "sample")
    assert check_account("111111111111", "the session", source, ENVS, "sample") == "dev"


def test_staging_only_where_allowed() -> None:
    plain = DataSource("acme-ml-staging-data")
    with pytest.raises(RefusedError):
        check_bucket(plain, ENVS, "sample")
    with pytest.raises(RefusedError):
        check_account("222222222222", "the session", plain, ENVS, "sample")
    allowed = DataSource("acme-ml-staging-data", allow_environments=("dev", "staging"))
    assert check_bucket(allowed, ENVS, "sample") == "staging"
    parity = DataSource("acme-ml-staging-parity")
    assert check_bucket(parity, ENVS, "parity") == "staging"
    with pytest.raises(RefusedError):
        check_bucket(parity, ENVS, "sample")
    with pytest.raises(RefusedError):
        check_account("999999999999", "the session", allowed, ENVS, "sample")


def test_session_policy_allows_only_list_and_get_on_the_prefix() -> None:
    policy = json.loads(read_only_policy("b", "train/v3/"))
    actions = sorted(s["Action"] for s in policy["Statement"])
    assert actions == ["s3:GetObject", "s3:ListBucket"]
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    get = next(s for s in policy["Statement"] if s["Action"] == "s3:GetObject")
    assert get["Resource"] == "arn:aws:s3:::b/train/v3/*"
    listing = next(s for s in policy["Statement"] if s["Action"] == "s3:ListBucket")
    assert listing["Condition"]["StringLike"]["s3:prefix"] == ["train/v3/*"]


def test_session_name_is_valid_for_sts() -> None:
    name = session_name()
    assert name.startswith("devkit-") and len(name) <= 64


def test_redact_hides_keys_and_tokens() -> None:
    text = redact(
        "bad AKIAABCDEFGHIJKLMNOP with X-Amz-Security-Token=abc/def+ghi and secret: s3cr3t"
    )
    assert "AKIAABCDEFGHIJKLMNOP" not in text and "abc/def" not in text and "s3cr3t" not in text
