"""The loopback registries the tests use are real: the engine pulls a public name through its
mirror, and a private registry with htpasswd auth refuses a push without credentials."""

from __future__ import annotations

from typing import Any

import docker.errors
import pytest

from support.registry import Registry


def test_public_base_name_pulls_through_the_engine_mirror(
    docker_engine: Any, registry: Registry, public_base_image: str, base_image: str
) -> None:
    assert registry.has_manifest("library/python", "3.11-slim")
    pulled = docker_engine.images.get(public_base_image)
    # The mirror serves the local Debian base image under the public name: same image id.
    assert pulled.id == docker_engine.images.get(base_image).id


def test_htpasswd_registry_needs_credentials(
    docker_engine: Any, base_image: str, registry_factory: Any
) -> None:
    guarded = registry_factory(auth=("ci", "s3cret-pass"))
    name = f"{guarded.host}/infra/auth-check"
    image = docker_engine.images.get(base_image)
    image.tag(name, tag="t1")
    try:
        with pytest.raises(docker.errors.APIError, match=r"(?i)auth|denied"):
            for line in docker_engine.api.push(name, tag="t1", stream=True, decode=True):
                if "error" in line:
                    raise docker.errors.APIError(line["error"])
        assert guarded.tags("infra/auth-check") == []
        creds = {"username": "ci", "password": "s3cret-pass"}
        for line in docker_engine.api.push(
            name, tag="t1", stream=True, decode=True, auth_config=creds
        ):
            assert "error" not in line, line
        assert guarded.tags("infra/auth-check") == ["t1"]
        assert guarded.requests("PUT", "/v2/infra/auth-check/manifests/t1")
    finally:
        docker_engine.images.remove(name + ":t1")
