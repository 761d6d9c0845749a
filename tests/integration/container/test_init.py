"""`devkit init`, `status` and `down` on a real Docker Engine and real git repositories."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.gitrepo import GitRepo
from support.secrets_scan import assert_no_secrets

from .conftest import (
    PROFILE,
    SECRET_VALUE,
    new_workspace,
    run_devkit,
    workspace_containers,
)


@pytest.fixture(scope="module")
def initialised(
    tmp_path_factory: pytest.TempPathFactory, docker_engine: Any, base_image: str
) -> dict[str, Any]:
    """One workspace taken through a full `devkit init`, shared by the tests below (in order)."""
    repo = new_workspace(tmp_path_factory.mktemp("init") / "workspace")
    args = [
        "init",
        "--profile",
        PROFILE,
        "--branch",
        "feat/first",
        "--base-image",
        base_image,
        "--data",
        "none",
        "--network",
        "host",
    ]
    started = time.monotonic()
    proc = run_devkit(repo, *args)
    return {"repo": repo, "proc": proc, "args": args, "cold_s": time.monotonic() - started}


def test_fresh_repo_gets_branch_files_image_container_and_hook(
    initialised: dict[str, Any], docker_engine: Any
) -> None:
    repo: GitRepo = initialised["repo"]
    assert initialised["proc"].returncode == 0, initialised["proc"].stdout
    assert repo.git("branch", "--show-current") == "feat/first"
    config = repo.path / ".devcontainer" / "devcontainer.json"
    assert config.is_file() and (repo.path / ".devcontainer" / "Dockerfile").is_file()
    assert (repo.path / ".devkit" / "profile").read_text().strip() == PROFILE
    assert (repo.path / ".devkit" / "hook-ran").read_text().strip() == "hook-ran"
    logs = list((repo.path / ".devkit" / "logs").glob("post-create-*.log"))
    assert logs and "post_create[1]" in logs[0].read_text()
    (container,) = workspace_containers(docker_engine, repo.path)
    assert container.status == "running"
    labels = container.labels
    assert labels["devcontainer.config_file"] == str(config)
    assert labels["org.devkit.profile"] == PROFILE
    assert labels["org.devkit.test"] == "1"
    image = docker_engine.images.get(container.attrs["Image"])
    assert image.labels["org.devkit.image-hash"] == labels["org.devkit.image-hash"]
    assert image.labels["org.devkit.test"] == "1"


def test_secret_reaches_the_container_but_no_inspect_label_or_layer(
    initialised: dict[str, Any], docker_engine: Any
) -> None:
    repo: GitRepo = initialised["repo"]
    (container,) = workspace_containers(docker_engine, repo.path)
    # inspect, history, labels and every layer's bytes, each checked on its own
    # (tests/integration/container/test_secret_scan.py proves each check fires).
    assert_no_secrets(
        docker_engine, container.attrs["Image"], {"SVC_TOKEN": SECRET_VALUE}, container.id
    )
    assert SECRET_VALUE not in initialised["proc"].stdout + initialised["proc"].stderr
    for path in repo.path.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            assert SECRET_VALUE.encode() not in path.read_bytes(), path
    code, out = container.exec_run(["cat", "/run/devkit/secrets.env"])
    assert code == 0 and SECRET_VALUE in out.decode()
    code, out = container.exec_run(["bash", "-lc", 'printf %s "$SVC_TOKEN"'])
    assert code == 0 and out.decode() == SECRET_VALUE, "login shells load the secrets"
    code, _ = container.exec_run(["sh", "-c", "echo x > /run/devkit/secrets.env"])
    assert code != 0, "the secrets file is mounted read-only"


def test_second_run_does_nothing_and_says_so(
    initialised: dict[str, Any], docker_engine: Any
) -> None:
    repo: GitRepo = initialised["repo"]
    config = repo.path / ".devcontainer" / "devcontainer.json"
    mtime = config.stat().st_mtime_ns
    (before,) = workspace_containers(docker_engine, repo.path)
    started = time.monotonic()
    proc = run_devkit(repo, *initialised["args"])
    took = time.monotonic() - started
    assert proc.returncode == 0
    assert "Nothing to do: all 6 steps already done" in proc.stdout
    assert config.stat().st_mtime_ns == mtime
    (after,) = workspace_containers(docker_engine, repo.path)
    assert after.id == before.id
    print(f"cold init {initialised['cold_s']:.1f} s, warm init {took:.2f} s")


def test_status_reports_every_part(initialised: dict[str, Any]) -> None:
    repo: GitRepo = initialised["repo"]
    proc = run_devkit(repo, "status", "--json")
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    assert report["profile"] == PROFILE
    assert report["branch"]["name"] == "feat/first"
    assert report["devcontainer"]["in_sync"] is True
    assert report["container"]["state"] == "running"
    assert report["image"]["present"] is True
    text = run_devkit(repo, "status").stdout
    assert "in sync with the profile" in text and "running" in text


def test_dry_run_lists_changes_and_makes_none(
    tmp_path: Path, docker_engine: Any, init_args: Callable[..., list[str]]
) -> None:
    repo = new_workspace(tmp_path / "ws")
    proc = run_devkit(repo, *init_args("feat/dry"), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    for title in ("Feature branch", "Devcontainer files", "Image", "Container", "Post-create"):
        assert title in proc.stdout
    assert "create .devcontainer/devcontainer.json" in proc.stdout
    assert repo.git("branch", "--list", "feat/dry") == ""
    assert not (repo.path / ".devcontainer").exists()
    assert not workspace_containers(docker_engine, repo.path)


def test_invalid_branch_exits_2_and_creates_nothing(
    tmp_path: Path, docker_engine: Any, init_args: Callable[..., list[str]]
) -> None:
    repo = new_workspace(tmp_path / "ws")
    proc = run_devkit(repo, *init_args("feat/bad..name"))
    assert proc.returncode == 2
    assert "branch" in proc.stderr
    assert repo.git("branch", "--format=%(refname:short)") == "main"
    assert not (repo.path / ".devcontainer").exists()
    assert not workspace_containers(docker_engine, repo.path)


def test_missing_profile_or_branch_without_tty_names_the_flag(tmp_path: Path) -> None:
    repo = new_workspace(tmp_path / "ws")
    proc = run_devkit(repo, "init", "--branch", "feat/x", "--no-input")
    assert proc.returncode == 2 and "--profile" in proc.stderr
    proc = run_devkit(repo, "init", "--profile", PROFILE, "--no-input")
    assert proc.returncode == 2 and "--branch" in proc.stderr


def test_dirty_tree_survives(
    tmp_path: Path, docker_engine: Any, init_args: Callable[..., list[str]]
) -> None:
    repo = new_workspace(tmp_path / "ws", files={"notes/a.txt": "one\n", "notes/b.txt": "two\n"})
    (repo.path / "notes" / "a.txt").write_text("staged change\n")
    repo.git("add", "notes/a.txt")
    (repo.path / "notes" / "b.txt").write_text("unstaged change\n")
    (repo.path / "scratch.txt").write_text("untracked\n")
    proc = run_devkit(repo, *init_args("feat/dirty"))
    assert proc.returncode == 0
    assert repo.git("branch", "--show-current") == "feat/dirty"
    assert (repo.path / "notes" / "a.txt").read_text() == "staged change\n"
    assert (repo.path / "notes" / "b.txt").read_text() == "unstaged change\n"
    assert (repo.path / "scratch.txt").read_text() == "untracked\n"
    status = repo.git("status", "--porcelain")
    assert "M  notes/a.txt" in status and " M notes/b.txt" in status
    assert "?? scratch.txt" in status


def test_existing_custom_devcontainer_is_backed_up(
    tmp_path: Path, docker_engine: Any, init_args: Callable[..., list[str]]
) -> None:
    custom = '{\n  // our own\n  "image": "mcr.microsoft.com/devcontainers/python:3.11"\n}\n'
    repo = new_workspace(tmp_path / "ws", files={".devcontainer/devcontainer.json": custom})
    config = repo.path / ".devcontainer" / "devcontainer.json"
    refused = run_devkit(repo, *init_args("feat/custom"))
    assert refused.returncode == 4
    assert "--force" in refused.stderr + refused.stdout
    assert config.read_text() == custom
    proc = run_devkit(repo, *init_args("feat/custom"), "--force")
    assert proc.returncode == 0
    backups = list((repo.path / ".devkit" / "backups").glob("*/.devcontainer/devcontainer.json"))
    assert len(backups) == 1 and backups[0].read_text() == custom
    assert "-  // our own" in proc.stdout, "the diff is shown"
    assert '"postCreateCommand": "devkit post-create --profile svc"' in config.read_text()


def test_failing_hook_fails_init_and_is_retried(
    tmp_path: Path, docker_engine: Any, init_args: Callable[..., list[str]]
) -> None:
    hooks = ("echo checking the flag", "test -f .devkit/allow-hook || (echo flag missing; false)")
    repo = new_workspace(tmp_path / "ws", hooks=hooks)
    failed = run_devkit(repo, *init_args("feat/hook"))
    assert failed.returncode == 3
    assert "post-create failed" in failed.stdout
    assert "flag missing" in failed.stdout.split("post-create failed", 1)[1], "log tail shown"
    (repo.path / ".devkit" / "allow-hook").write_text("ok\n")
    retried = run_devkit(repo, *init_args("feat/hook"))
    assert retried.returncode == 0
    assert "= Post-create hook" not in retried.stdout
    assert "✓ Post-create hook" in retried.stdout
    assert len(list((repo.path / ".devkit" / "logs").glob("post-create-*.log"))) >= 1


def test_a_container_on_an_older_image_is_replaced(
    tmp_path: Path, docker_engine: Any, base_image: str, init_args: Callable[..., list[str]]
) -> None:
    from support.engine import TEST_LABELS

    repo = new_workspace(tmp_path / "ws")
    stale = docker_engine.containers.create(
        base_image,
        ["sleep", "infinity"],
        labels={
            **TEST_LABELS,
            "devcontainer.local_folder": str(repo.path),
            "org.devkit.image-hash": "0" * 64,
        },
        network_mode="none",
    )
    proc = run_devkit(repo, *init_args("feat/replace"))
    assert proc.returncode == 0
    assert f"removing container {stale.name}" in proc.stdout
    (current,) = workspace_containers(docker_engine, repo.path)
    assert current.id != stale.id and current.status == "running"
    assert current.labels["org.devkit.image-hash"] != "0" * 64


def test_port_taken_is_a_clear_error_and_leaves_no_container(
    tmp_path: Path, docker_engine: Any, init_args: Callable[..., list[str]]
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        repo = new_workspace(tmp_path / "ws", ports=(port,))
        proc = run_devkit(repo, *init_args("feat/port"))
    assert proc.returncode == 3
    assert f"port {port}" in proc.stdout and "already in use" in proc.stdout
    assert not workspace_containers(docker_engine, repo.path)


def test_missing_base_image_says_no_registry_and_how_to_fix(
    tmp_path: Path, docker_engine: Any
) -> None:
    repo = new_workspace(tmp_path / "ws")
    args = ["init", "--profile", PROFILE, "--branch", "feat/base", "--data", "none"]
    proc = run_devkit(repo, *args, "--network", "host", "--base-image", "devkit-absent:nope")
    assert proc.returncode == 3
    assert "not present locally" in proc.stdout and "--base-image" in proc.stdout
    assert not workspace_containers(docker_engine, repo.path)


REPO_ROOT = Path(__file__).resolve().parents[3]
DEVCONTAINER_CLI = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "devcontainer"


def _devcontainer(*args: str, env: dict[str, str]) -> Any:
    import subprocess

    if not DEVCONTAINER_CLI.is_file():
        from support.engine import in_ci

        message = f"the Dev Containers CLI is not installed at {DEVCONTAINER_CLI}"
        if in_ci():
            pytest.fail(message + " (scripts/test.sh installs it)")
        pytest.skip(message + " (npm install --prefix .tools @devcontainers/cli)")
    proc = subprocess.run(
        [str(DEVCONTAINER_CLI), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )
    print(f"$ devcontainer {' '.join(args)}\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_reference_devcontainer_cli_finds_and_uses_the_container(
    initialised: dict[str, Any], docker_engine: Any
) -> None:
    """devkit's container (this root host: user root, host network, a stand-in base image) is
    the committed config plus this machine's layer, which devkit writes for the CLI."""
    from .conftest import devkit_env

    repo: GitRepo = initialised["repo"]
    (before,) = workspace_containers(docker_engine, repo.path)
    env = devkit_env(repo)
    folder = ("--workspace-folder", str(repo.path))
    override = ("--override-config", str(repo.path / ".devkit" / "devcontainer.local.json"))
    up = _devcontainer("up", *folder, *override, env=env)
    assert up.returncode == 0
    result = json.loads(up.stdout.strip().splitlines()[-1])
    assert result["outcome"] == "success" and result["remoteUser"] == "root"
    assert result["containerId"] == before.id, "the CLI reuses devkit's container"
    found = _devcontainer("exec", *folder, *override, "true", env=env)
    assert found.returncode == 0
    where = _devcontainer("exec", *folder, *override, "pwd", env=env)
    assert where.stdout.strip().splitlines()[-1] == "/workspace"
    status = run_devkit(repo, "status").stdout
    assert "--override-config .devkit/devcontainer.local.json" in status


def test_down_removes_the_container_and_keeps_the_rest(
    initialised: dict[str, Any], docker_engine: Any
) -> None:
    repo: GitRepo = initialised["repo"]
    (container,) = workspace_containers(docker_engine, repo.path)
    image_id = container.attrs["Image"]
    proc = run_devkit(repo, "down")
    assert proc.returncode == 0
    assert not workspace_containers(docker_engine, repo.path)
    assert docker_engine.images.get(image_id).id == image_id
    assert (repo.path / ".devcontainer" / "devcontainer.json").is_file()
    assert (repo.path / ".devkit" / "hook-ran").is_file()
    assert repo.git("branch", "--show-current") == "feat/first"
    again = run_devkit(repo, "down")
    assert again.returncode == 0 and "already done" in again.stdout


def test_init_without_flags_after_down_rebuilds_the_same_environment(
    initialised: dict[str, Any], docker_engine: Any
) -> None:
    """After `devkit down`, a bare `devkit init` re-uses the last init's profile, branch, base
    image and network: nothing in .devcontainer/ changes and the same image is reused."""
    repo: GitRepo = initialised["repo"]
    before = (repo.path / ".devcontainer" / "devcontainer.json").read_bytes()
    assert run_devkit(repo, "down").returncode == 0
    proc = run_devkit(repo, "init", "--no-input", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert (repo.path / ".devcontainer" / "devcontainer.json").read_bytes() == before
    assert repo.git("branch", "--show-current") == "feat/first"
    (container,) = workspace_containers(docker_engine, repo.path)
    assert container.status == "running"
    assert "Image" in proc.stdout and "already done" in proc.stdout


def test_port_published_by_another_container_names_it(
    tmp_path: Path, docker_engine: Any, base_image: str, init_args: Callable[..., list[str]]
) -> None:
    """The headless init makes the same check as the TUI's review: the holder is named."""
    import os

    from support.engine import TEST_LABELS

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    holder = docker_engine.containers.run(
        base_image, ["sleep", "300"], detach=True, labels=dict(TEST_LABELS),
        name=f"devkit-port-holder-{os.getpid()}", ports={"9000/tcp": ("127.0.0.1", port)},
    )  # fmt: skip
    try:
        repo = new_workspace(tmp_path / "ws", ports=(port,))
        proc = run_devkit(repo, *init_args("feat/port-holder"))
        assert proc.returncode == 3
        assert f"port {port} is already published by container {holder.name}" in proc.stdout
        assert f"docker stop {holder.name}" in proc.stdout
        assert not workspace_containers(docker_engine, repo.path)
    finally:
        holder.remove(force=True)
