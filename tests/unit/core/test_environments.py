from __future__ import annotations

from pathlib import Path

import pytest

from devkit.config.environments import load_environments
from devkit.core.errors import ProblemsError


def test_builtin_map_classifies_accounts_and_buckets() -> None:
    envs = load_environments(None)
    assert envs.classify_account("111111111111") == "dev"
    assert envs.classify_account("333333333333") == "prod"
    assert envs.classify_account("999999999999") == "unknown"
    assert envs.classify_bucket("acme-ml-dev-samples") == "dev"
    assert envs.classify_bucket("acme-ml-prod-lake") == "prod"
    # A bucket matching a dev pattern and a prod one is prod: prod always wins.
    assert envs.classify_bucket("acme-ml-dev-prod") == "prod"


def test_workspace_map_overrides_and_is_validated(tmp_path: Path) -> None:
    (tmp_path / ".devkit").mkdir()
    (tmp_path / ".devkit" / "environments.yaml").write_text(
        "environments:\n  dev: {accounts: ['123']}\n  staging: {}\n  prod: {}\n"
    )
    with pytest.raises(ProblemsError) as caught:
        load_environments(tmp_path)
    assert ".devkit/environments.yaml:2:" in str(caught.value)
    assert "12-digit" in str(caught.value)
