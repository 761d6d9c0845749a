"""read_object: the guard as parity uses it, for one object (a staging reference)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit.config.environments import load_environments
from devkit.core.errors import RefusedError
from devkit.data.guard import read_object

from .conftest import BUCKET, PREFIX, MotoIAM, make_workspace

pytestmark = pytest.mark.s3


def use(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)


def test_read_object_through_the_guard(
    moto_iam: MotoIAM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace(tmp_path / "ws", None)
    envs = load_environments(ws.root)
    key = PREFIX + "part-03.parquet"
    use(monkeypatch, moto_iam.env(moto_iam.dev_key))
    body = read_object(BUCKET, key, envs, "eu-west-1", moto_iam.readonly_role)
    assert body == moto_iam.objects[key]
    use(monkeypatch, moto_iam.env(moto_iam.writer_key))
    with pytest.raises(RefusedError):
        read_object(BUCKET, key, envs, "eu-west-1")
    with pytest.raises(RefusedError):
        read_object("acme-ml-prod-lake", "x.json", envs, "eu-west-1")
