"""Rendering devcontainer.json and the Dockerfile from profiles (pure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import json5
import jsonschema
import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.render import HostUser, render

REPO = Path(__file__).resolve().parents[3]
# Vendored with its licence and source: tests/vendor/devcontainers-spec/README.md
SCHEMA = REPO / "tests" / "vendor" / "devcontainers-spec" / "devContainer.base.schema.json"


ROOT = HostUser(0, 0)
DEV = HostUser(1234, 2345)


@pytest.fixture(scope="module")
def schema() -> Any:
    loaded = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(loaded)(loaded)


@pytest.mark.parametrize("name", ["ingestion", "training", "inference", "api"])
@pytest.mark.parametrize("host", [ROOT, DEV], ids=["root", "user"])
@pytest.mark.parametrize("network", ["bridge", "host"])
def test_devcontainer_json_validates_against_the_official_schema(
    schema: Any, name: str, host: HostUser, network: str
) -> None:
    profile = ProfileSet(None).get(name)
    rendered = render(profile, None, host, network)
    data = json5.loads(rendered.devcontainer_json)
    schema.validate(data)
    assert data == json.loads(json.dumps(rendered.config)), "the file says what devkit runs"
    assert data["postCreateCommand"] == f"devkit post-create --profile {name}"
    assert data["workspaceFolder"] == "/workspace"
    assert data["build"]["context"] == "../.devkit/build"


def test_user_follows_the_host_user() -> None:
    profile = ProfileSet(None).get("training")
    as_root = render(profile, None, ROOT)
    assert as_root.user == "root" and "USER_UID" not in as_root.build_args
    as_dev = render(profile, None, DEV)
    assert as_dev.user == "dev"
    assert as_dev.build_args["USER_UID"] == "1234" and as_dev.build_args["USER_GID"] == "2345"
    assert "ARG USER_NAME=dev" in as_dev.dockerfile


def test_dockerfile_carries_profile_settings_and_trust_for_every_client() -> None:
    profile = ProfileSet(None).get("training")
    text = render(profile, "devkit-base:bookworm", ROOT).dockerfile
    assert "ARG BASE_IMAGE=devkit-base:bookworm" in text
    assert "for p in git ca-certificates libgomp1; do" in text
    assert 'got == "3.11"' in text
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE"):
        assert f"{var}=/etc/devkit/ca-bundle.crt" in text
    assert "NODE_EXTRA_CA_CERTS=/etc/devkit/ca-bundle.crt" in text
    assert "{{" not in text and "}}" not in text
    assert "PROXY" not in text.split("FROM", 1)[1], "proxies are never declared in the image"


def test_secret_values_and_proxy_values_are_never_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", "secret-value-123")
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw@proxy.example:3128")
    rendered = render(ProfileSet(None).get("training"), None, DEV)
    for text in (rendered.devcontainer_json, rendered.dockerfile):
        assert "secret-value-123" not in text and "pw@" not in text
    assert rendered.config["containerEnv"]["HTTPS_PROXY"] == "${localEnv:HTTPS_PROXY}"


def test_ports_are_published_on_loopback_except_with_host_network() -> None:
    profile = ProfileSet(None).get("api")
    bridge = render(profile, None, ROOT).config
    assert bridge["appPort"] == ["127.0.0.1:8000:8000"] and bridge["forwardPorts"] == [8000]
    host = render(profile, None, ROOT, "host").config
    assert host["appPort"] == [] and "--network=host" in host["runArgs"]
    assert host["build"]["options"] == ["--network=host"]


def test_the_schema_check_catches_a_broken_file(schema: Any) -> None:
    rendered = render(ProfileSet(None).get("api"), None, ROOT)
    data = json5.loads(rendered.devcontainer_json)
    data["forwardPorts"] = "8000"
    with pytest.raises(jsonschema.ValidationError):
        schema.validate(data)
