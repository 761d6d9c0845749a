"""The command line and the TUI build one ``devkit init``: same request → same plan, same state.

Each case builds the plan twice in the same workspace — from a parsed command line through
``commands.init.headless_request`` and ``plan_init``, and from the TUI's answers through
``tui.launch.prefilled`` and ``WorkspaceServices.build_plan`` — with a plain fake for the one
thing that asks the engine (does it have a usable bridge?). Then each plan's record step runs
from a clean ``.devkit/`` and the bookkeeping files are compared byte for byte.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devkit.commands.init import headless_request
from devkit.config.profiles import ProfileSet
from devkit.core.plan import Plan
from devkit.init.plan import Runtime, plan_init
from devkit.init.request import InitRequest, resolve_request
from devkit.parser import parse
from devkit.state import InitRecord, WorkspaceState
from devkit.tui.launch import prefilled
from devkit.tui.services import WorkspaceServices
from devkit.workspace import Workspace
from support.gitrepo import isolated_git_env
from support.initplans import forget, override_run_args, plan_shape, record, recorded


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    for name in ("DEVKIT_NETWORK", "DEVKIT_VENDOR", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    root = tmp_path / "repo"
    (root / "requirements").mkdir(parents=True)
    (root / "requirements" / "training.lock").write_text("six==1.16.0\n")
    env = isolated_git_env(tmp_path / "home")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    return Workspace(root)


def runtime(bridge: bool) -> Runtime:
    """A fake engine probe; no lookups on the package index."""
    return Runtime(bridge=lambda: bridge, lookup=False)


def cli_plan(ws: Workspace, argv: list[str], bridge: bool) -> Plan:
    args = parse(["init", *argv, "--workspace", str(ws.root), "--no-input"])
    profiles = ProfileSet(ws.root)
    request = headless_request(args, ws, profiles, interactive=False)
    return plan_init(ws, request, runtime(bridge), profiles)


def tui_plan(ws: Workspace, answers: InitRequest, bridge: bool) -> Plan:
    services = WorkspaceServices(ws.root, runtime(bridge))
    return services.build_plan(prefilled(ws, answers))


def assert_same(ws: Workspace, cli: Plan, tui: Plan) -> dict[str, str | None]:
    assert plan_shape(cli) == plan_shape(tui)
    before = recorded(ws.root)
    record(cli)
    by_cli = recorded(ws.root)
    forget(ws.root)
    record(tui)
    by_tui = recorded(ws.root)
    assert by_cli == by_tui
    assert by_cli != before
    return by_cli


def test_no_bridge_renders_and_records_the_host_network_on_both(ws: Workspace) -> None:
    argv = ["--profile", "training", "--branch", "feat/x", "--data", "synthetic"]
    cli = cli_plan(ws, argv, bridge=False)
    tui = tui_plan(ws, InitRequest("training", "feat/x", "synthetic"), bridge=False)
    assert "--network=host" in override_run_args(cli)
    assert "--network=host" in override_run_args(tui)
    state = assert_same(ws, cli, tui)
    assert json.loads(state["state.json"] or "")["render"]["network"] == "host"
    assert state["profile"] == "training\n"


def test_a_usable_bridge_renders_no_host_network(ws: Workspace) -> None:
    argv = ["--profile", "training", "--branch", "feat/x", "--data", "none"]
    cli = cli_plan(ws, argv, bridge=True)
    tui = tui_plan(ws, InitRequest("training", "feat/x", "none"), bridge=True)
    assert "--network=host" not in override_run_args(cli)
    state = assert_same(ws, cli, tui)
    assert json.loads(state["state.json"] or "")["render"]["network"] == "bridge"


def test_both_honour_devkit_network_over_the_engine_probe(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVKIT_NETWORK", "bridge")
    argv = ["--profile", "training", "--branch", "feat/x", "--data", "none"]
    cli = cli_plan(ws, argv, bridge=False)
    tui = tui_plan(ws, InitRequest("training", "feat/x", "none"), bridge=False)
    assert "--network=host" not in override_run_args(tui)
    state = assert_same(ws, cli, tui)
    assert json.loads(state["state.json"] or "")["render"]["network"] == "bridge"


def test_both_reuse_the_last_inits_choices(ws: Workspace) -> None:
    last = InitRecord(
        profile="training", base_image="devkit-base:bookworm", network="host", data="synthetic"
    )
    WorkspaceState(ws).record_init(last)
    subprocess.run(["git", "-C", str(ws.root), "checkout", "-qb", "feat/again"], check=True)
    # No flags at all on the command line; nothing answered yet on the TUI.
    cli = cli_plan(ws, [], bridge=True)
    tui = tui_plan(ws, InitRequest(), bridge=True)
    shape = plan_shape(tui)
    assert shape["record"] == InitRecord(
        profile="training",
        base_image="devkit-base:bookworm",
        network="host",
        data="synthetic",
    )
    assert shape["image"]["base"] == "devkit-base:bookworm"
    assert "--network=host" in override_run_args(cli)
    assert plan_shape(cli) == shape
    assert "feat/again" in cli.title


def test_the_order_is_flags_then_environment_then_last_init_then_profile(
    ws: Workspace,
) -> None:
    WorkspaceState(ws).record_init(InitRecord(profile="training", network="host", data="none"))
    env = {"DEVKIT_NETWORK": "bridge"}
    flags = InitRequest(profile="training", branch="feat/x", network="host")
    assert resolve_request(flags, ws, env).network == "host"  # the flag
    given = InitRequest(profile="training", branch="feat/x")
    resolved = resolve_request(given, ws, env)
    assert resolved.network == "bridge"  # the environment
    assert resolved.data == "none"  # the last init
    assert resolved.base_image is None  # the profile's own
    assert resolve_request(given, ws, {}).network == "host"  # the last init
    other = resolve_request(InitRequest(profile="api", branch="feat/x"), ws, {})
    assert (other.network, other.data) == ("auto", None), "another profile starts afresh"
    assert resolve_request(resolved, ws, env) == resolved, "resolving twice changes nothing"
