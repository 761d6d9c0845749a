"""ECR credentials for a prebuilt image: an authorization token from ECR (moto in server mode,
IAM enforced), used only when Docker's own config has nothing for that registry."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from devkit.container.registry import auth_for
from devkit.core.errors import NotReadyError
from devkit.data.aws import ecr_auth_config
from support.s3server import Keys, S3Server, _access_key, _policy

REGION = "eu-west-1"


def _user(server: S3Server, allowed: bool) -> Keys:
    iam = server.client("iam")
    name = f"ecr-{'pusher' if allowed else 'nobody'}-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    action = "ecr:GetAuthorizationToken" if allowed else "ecr:DescribeRepositories"
    iam.put_user_policy(UserName=name, PolicyName="ecr", PolicyDocument=_policy((action, "*")))
    return _access_key(iam, name)


def _repository(server: S3Server) -> str:
    return f"{server.account_id}.dkr.ecr.{REGION}.amazonaws.com/ml/training-dev"


def test_an_ecr_token_comes_from_the_aws_chain(
    s3_server: S3Server, aws_env: Callable[[Keys], None]
) -> None:
    aws_env(_user(s3_server, allowed=True))
    host = _repository(s3_server).split("/", 1)[0]
    config = ecr_auth_config(host, REGION, s3_server.account_id)
    assert config == {
        "username": "AWS",
        "password": f"{s3_server.account_id}-auth-token",
        "serveraddress": f"https://{host}",
    }


def test_without_ecr_rights_it_is_exit_3_with_a_hint(
    s3_server: S3Server, aws_env: Callable[[Keys], None]
) -> None:
    aws_env(_user(s3_server, allowed=False))
    host = _repository(s3_server).split("/", 1)[0]
    with pytest.raises(NotReadyError) as caught:
        ecr_auth_config(host, REGION, s3_server.account_id)
    assert caught.value.code == 3
    assert f"ECR refused an authorization token for {host}" in caught.value.what
    assert f"docker login {host}" in caught.value.hint


def test_docker_config_comes_first_and_the_token_is_never_logged(
    s3_server: S3Server,
    aws_env: Callable[[Keys], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    aws_env(_user(s3_server, allowed=True))
    repository = _repository(s3_server)
    host = repository.split("/", 1)[0]
    lines: list[str] = []
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(empty))
    token = auth_for(repository, lines.append)
    assert token is not None and token["username"] == "AWS"
    assert lines and all(token["password"] not in line for line in lines)
    configured = tmp_path / "configured"
    configured.mkdir()
    auth = base64.b64encode(b"ci:from-docker-login").decode()
    (configured / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(configured))
    assert auth_for(repository, lines.append) is None, "Docker's own credentials win"
    assert auth_for("registry.example.com/ml/x", lines.append) is None, "not ECR: Docker's"
