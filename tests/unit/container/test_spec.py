"""devkit's container from a rendered configuration: variables, mounts, ports (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.render import HostUser, LocalLayer, render
from devkit.container.spec import container_name, container_spec, parse_mount, resolve
from devkit.core.errors import ConfigError


def test_variables_resolve_as_the_spec_defines_them() -> None:
    ws = Path("/home/ana/ml-monorepo")
    text = "${localWorkspaceFolder}|${localWorkspaceFolderBasename}|${containerWorkspaceFolder}"
    assert resolve(text, ws, "/workspace", {}) == "/home/ana/ml-monorepo|ml-monorepo|/workspace"
    env = {"HTTP_PROXY": "http://proxy:3128"}
    assert resolve("${localEnv:HTTP_PROXY}", ws, "/w", env) == "http://proxy:3128"
    assert resolve("${localEnv:MISSING:fallback}", ws, "/w", env) == "fallback"
    assert resolve("${localEnv:MISSING}", ws, "/w", env) == ""


def test_mount_strings_parse_and_a_mount_without_target_is_an_error() -> None:
    mount = parse_mount("type=bind,source=/data,target=/mnt/data,readonly")
    assert (mount.source, mount.target, mount.type, mount.read_only) == (
        "/data",
        "/mnt/data",
        "bind",
        True,
    )
    with pytest.raises(ConfigError, match="no target"):
        parse_mount("source=/data")


def test_container_spec_follows_the_rendered_file() -> None:
    profile = ProfileSet(None).get("api")
    ws = Path("/srv/repos/ml")
    config = render(profile, LocalLayer(HostUser(0, 0))).local_config
    spec = container_spec(
        config, ws, "img:1", {"a": "b"}, env={"HTTP_PROXY": "http://p:1"}, cpus=1.0
    )
    assert spec.mounts[0].source == str(ws) and spec.mounts[0].target == "/workspace"
    assert spec.env["HTTP_PROXY"] == "http://p:1"
    assert "HTTPS_PROXY" not in spec.env, "unset proxies are left out, not set empty"
    assert spec.env["API_PORT"] == "8000" and spec.env["DEVKIT_PROFILE"] == "api"
    assert [(p.host_ip, p.host_port, p.container_port) for p in spec.ports] == [
        ("127.0.0.1", 8000, 8000)
    ]
    assert spec.network_mode is None and spec.user == "root"
    host = container_spec(
        render(profile, LocalLayer(HostUser(0, 0), network="host")).local_config, ws, "i", {}
    )
    assert host.network_mode == "host" and host.ports == []


def test_container_names_are_stable_and_distinct_per_path() -> None:
    a = container_name(Path("/a/ml repo"))
    assert a == container_name(Path("/a/ml repo")) and a.startswith("devkit-ml-repo-")
    assert a != container_name(Path("/b/ml repo"))
