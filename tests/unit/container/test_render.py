"""Rendering .devcontainer/ from profiles (pure): portable committed files, the local layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import json5
import jsonschema
import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.render import HostUser, LocalLayer, default_source, render

REPO = Path(__file__).resolve().parents[3]
# Vendored with its licence and source: tests/vendor/devcontainers-spec/README.md
SCHEMA = REPO / "tests" / "vendor" / "devcontainers-spec" / "devContainer.base.schema.json"

ROOT = HostUser(0, 0)
DEV = HostUser(1234, 2345)
STAND_IN = "devkit-base:bookworm"
PROFILES = ["ingestion", "training", "inference", "api"]


@pytest.fixture(scope="module")
def schema() -> Any:
    loaded = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(loaded)(loaded)


def layers() -> list[LocalLayer]:
    return [
        LocalLayer(),
        LocalLayer(ROOT, STAND_IN, "host"),
        LocalLayer(DEV, STAND_IN, "bridge", "https://index.example/simple/"),
    ]


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("vendor", [False, True], ids=["index", "vendor"])
def test_every_rendered_config_validates_against_the_official_schema(
    schema: Any, name: str, vendor: bool
) -> None:
    profile = ProfileSet(None).get(name)
    for layer in layers():
        rendered = render(profile, layer, default_source(vendor))
        data = json5.loads(rendered.devcontainer_json)
        schema.validate(data)
        schema.validate(rendered.local_config)
        assert data == json.loads(json.dumps(rendered.config)), "the file says what it means"
        assert data["postCreateCommand"] == f"devkit post-create --profile {name}"
        assert data["workspaceFolder"] == "/workspace"
        assert data["build"]["dockerfile"] == "Dockerfile" and data["build"]["context"] == "."
        assert json.loads(rendered.override_json) == rendered.local_config


@pytest.mark.parametrize("name", PROFILES)
def test_committed_files_are_the_same_on_every_machine(name: str) -> None:
    """No absolute host path, no network mode, no host user or UID, no stand-in image."""
    profile = ProfileSet(None).get(name)
    renderings = [render(profile, layer, default_source(True)) for layer in layers()]
    first = renderings[0].files
    for other in renderings[1:]:
        assert other.files == first, "the local layer never reaches the committed files"
    for rel, data in first.items():
        assert rel.startswith(".devcontainer/"), rel
        if rel.endswith(".whl"):
            continue
        text = data.decode()
        for machine in (STAND_IN, "--network", "network=host", "1234", "2345", str(Path.home())):
            assert machine not in text, (rel, machine)
        assert "/tmp/" not in text or rel.endswith(("Dockerfile", ".sh")), rel
    config = renderings[0].config
    assert "appPort" not in config and "runArgs" not in config
    assert config["build"]["args"] == {
        name: "${localEnv:" + name + "}" for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
    }, "proxies reach the build as predefined build args, by reference"
    assert "options" not in config["build"]
    assert config["remoteUser"] == config["containerUser"] == "dev"
    assert config["updateRemoteUserUID"] is True
    assert config["initializeCommand"] == [
        "sh",
        "${localWorkspaceFolder}/.devcontainer/host-trust.sh",
    ]
    dockerfile = renderings[0].dockerfile
    assert f"ARG BASE_IMAGE={profile.image.base}\n" in dockerfile
    assert "ARG USER_UID=1000" in dockerfile and "ARG USER_NAME=dev" in dockerfile


def test_profile_resources_ports_and_editor_become_portable_settings() -> None:
    training = render(ProfileSet(None).get("training")).config
    assert training["hostRequirements"] == {"cpus": 2, "memory": "6gb"}
    assert training["forwardPorts"] == [5000]
    vscode = training["customizations"]["vscode"]
    assert "ms-python.python" in vscode["extensions"]
    assert "ms-toolsai.jupyter" in vscode["extensions"]
    assert vscode["settings"]["python.defaultInterpreterPath"] == "/opt/venv/bin/python"
    api = render(ProfileSet(None).get("api")).config
    assert api["hostRequirements"] == {"cpus": 1, "memory": "1gb"}


def test_the_local_layer_merges_over_the_committed_config() -> None:
    profile = ProfileSet(None).get("api")
    host = render(profile, LocalLayer(ROOT, STAND_IN, "host"))
    local = host.local_config
    proxies = host.config["build"]["args"]
    assert local["build"]["args"] == {**proxies, "BASE_IMAGE": STAND_IN, "USER_NAME": "root"}
    assert local["build"]["options"] == ["--network=host"]
    assert local["build"]["context"] == ".", "the CLI resolves it from .devcontainer/"
    assert "--network=host" in local["runArgs"] and "--cpus=1" in local["runArgs"]
    assert "appPort" not in local
    assert local["remoteUser"] == local["containerUser"] == host.user == "root"
    assert host.base_image == STAND_IN and host.network == "host"
    assert local["forwardPorts"] == [8000] and local["hostRequirements"]
    bridge = render(profile, LocalLayer(DEV)).local_config
    assert bridge["appPort"] == ["127.0.0.1:8000:8000"]
    assert bridge["build"]["args"] == {**proxies, "USER_UID": "1234", "USER_GID": "2345"}
    assert bridge["remoteUser"] == "dev" and "options" not in bridge["build"]
    default = render(profile, LocalLayer(HostUser(1000, 1000))).local_config
    assert default["build"]["args"] == proxies, "UID 1000 is the committed default"
    index = render(profile, LocalLayer(DEV, index_url="https://i.example/simple/"))
    assert index.build_args["DEVKIT_INDEX_URL"] == "https://i.example/simple/"


def test_dockerfile_carries_profile_settings_and_trust_for_every_client() -> None:
    profile = ProfileSet(None).get("training")
    text = render(profile, LocalLayer(ROOT, STAND_IN)).dockerfile
    assert "ARG BASE_IMAGE=python:3.11-slim" in text
    assert "for p in git ca-certificates libgomp1; do" in text
    assert 'got == "3.11"' in text
    for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE"):
        assert f"{var}=/etc/devkit/ca-bundle.crt" in text
    assert "NODE_EXTRA_CA_CERTS=/etc/devkit/ca-bundle.crt" in text
    assert "COPY trust-install.sh .local/host-ca.cr[t] /tmp/devkit-trust/" in text
    assert "{{" not in text and "}}" not in text
    assert "PROXY" not in text.split("FROM", 1)[1], "proxies are never declared in the image"


def test_devkit_comes_from_the_pinned_index_or_the_vendored_wheel() -> None:
    from devkit.container.render import pin_text

    profile = ProfileSet(None).get("training")
    vendored = render(profile, source=default_source(True))
    wheels = [rel for rel in vendored.files if rel.endswith(".whl")]
    assert wheels == [".devcontainer/vendor/acme_ml_devkit-0.1.0-py3-none-any.whl"]
    assert f"COPY vendor/{Path(wheels[0]).name} /tmp/devkit-install/" in vendored.dockerfile
    assert ".devcontainer/devkit-pin.txt" not in vendored.files
    indexed = render(profile, source=default_source(False))
    assert "COPY devkit-pin.txt /tmp/devkit-install/" in indexed.dockerfile
    pin = pin_text("0.1.0", {"a.whl": "ab" * 32, "a.tar.gz": "cd" * 32})
    assert pin.splitlines()[1] == "acme-ml-devkit==0.1.0 \\"
    assert f"--hash=sha256:{'ab' * 32} \\" in pin and pin.endswith(f"sha256:{'cd' * 32}\n")
    deps = vendored.files[".devcontainer/devkit-deps.txt"].decode()
    assert deps.startswith("# acme-ml-devkit 0.1.0:")
    assert all("==" in line for line in deps.splitlines() if not line.startswith("#"))
    assert "devkit" not in " ".join(deps.splitlines()[2:]), "never devkit by bare name"


def test_host_trust_script_follows_the_profile_trust_setting() -> None:
    training = ProfileSet(None).get("training")
    script = render(training).files[".devcontainer/host-trust.sh"].decode()
    assert '"${SSL_CERT_FILE:-}"' in script and "/etc/ssl/certs/ca-certificates.crt" in script
    assert "/etc/pki/tls/certs/ca-bundle.crt" in script and "/etc/ssl/cert.pem" in script
    from devkit.core.records import replace

    none = render(replace(training, ca_bundle="none")).files[".devcontainer/host-trust.sh"]
    assert b'for f in ""; do' in none


def test_secret_values_and_proxy_values_are_never_rendered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", "secret-value-123")
    monkeypatch.setenv("HTTPS_PROXY", "http://user:pw@proxy.example:3128")
    rendered = render(ProfileSet(None).get("training"), LocalLayer(DEV, network="host"))
    for data in [*rendered.files.values(), rendered.override_json.encode()]:
        assert b"secret-value-123" not in data and b"pw@" not in data
    assert rendered.config["containerEnv"]["HTTPS_PROXY"] == "${localEnv:HTTPS_PROXY}"


def test_the_schema_check_catches_a_broken_file(schema: Any) -> None:
    rendered = render(ProfileSet(None).get("api"))
    data = json5.loads(rendered.devcontainer_json)
    data["forwardPorts"] = "8000"
    with pytest.raises(jsonschema.ValidationError):
        schema.validate(data)
