"""Prebuilt dev images through a real registry (real engine, real git, the reference CLI).

The sample workspace names a private registry (Debian's ``docker-registry`` on 127.0.0.1) in
``image.prebuilt``; ``devkit image publish`` builds the committed environment and pushes it.
Then the local images of that build are removed and fresh clones are opened: by ``devkit
init`` (pulls, builds nothing), by the reference CLI (``build.cacheFrom``: the workload's
install is a cache hit), and after a lockfile change (builds, and says why). The lockfile gets
a line unique to this run, so every image of that hash is this module's own.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import json5
import pytest

from support.gitrepo import GitRepo, run_git
from support.registry import Registry, start_registry

from .conftest import devkit_env, run_devkit, workspace_containers
from .test_portable import SAFE, TEAMMATE, _chown, _cli, _cli_env, commit_sample

REPO_PATH = "ml/training-dev"


def _events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _done(events: list[dict[str, Any]], step: str) -> dict[str, Any]:
    found = [e for e in events if e["event"] in ("step_done", "step_failed") and e["step"] == step]
    assert found, f"no result for step {step}"
    return found[-1]


def _logs(events: list[dict[str, Any]], step: str) -> list[str]:
    return [e["line"] for e in events if e["event"] == "log" and e["step"] == step]


def _remove_images(client: Any, refs: list[str]) -> None:
    """Remove the tags this module made; their untagged parents (the build's cache) go too."""
    import docker.errors

    for ref in refs:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(ref)


def _clone(root: Path, origin: GitRepo, name: str, env: dict[str, str]) -> GitRepo:
    path = root / name
    run_git(root, env, "clone", "-q", str(origin.path), str(path))
    _chown(path, TEAMMATE)
    return GitRepo(path, "main", env)


def _init(clone: GitRepo, branch: str) -> Any:
    args = ["init", "--profile", "training", "--branch", branch, "--data", "synthetic"]
    env = {**devkit_env(clone), **SAFE}
    return run_devkit(clone, *args, "--yes", "--no-input", "--network", "host", "--json", env=env)


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory, docker_engine: Any, public_base_image: str
) -> Any:
    """origin: the sample workspace naming the registry, published and committed; the local
    images of the publish are removed again."""
    root = tmp_path_factory.mktemp("prebuilt")
    registry = start_registry(root / "registry")
    local: list[str] = []
    try:
        repository = f"{registry.host}/{REPO_PATH}"
        repo = commit_sample(
            root,
            profile_extra=f"image:\n  prebuilt: {repository}\n",
            lock_extra=f"# prebuilt test {uuid.uuid4().hex}\n",
        )
        origin, env = repo.path, repo.env
        publish = ["image", "publish", "--profile", "training", "--network", "host", "--json"]
        proc = run_devkit(repo, *publish)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        pushed = _done(_events(proc.stdout), "push")["data"]
        digest = pushed["hash"]
        assert pushed["tags"] == [f"{repository}:{digest}", f"{repository}:latest"]
        assert registry.tags(REPO_PATH) == sorted([digest, "latest"])
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", "dev environment")
        config = json5.loads((origin / ".devcontainer" / "devcontainer.json").read_text())
        assert config["build"]["cacheFrom"] == [f"{repository}:latest"]
        local += [f"{repository}:{t}" for t in (digest, "latest")]
        local.append(f"devkit-training:{digest[:12]}")
        _remove_images(docker_engine, local)
        assert docker_engine.images.list(filters={"label": f"org.devkit.image-hash={digest}"}) == []
        state = {
            "registry": registry,
            "repository": repository,
            "hash": digest,
            "image_id": pushed["id"],
            "origin": repo,
            "root": root,
            "env": env,
            "local": local,
        }
        yield state
    finally:
        registry.stop()
        _remove_images(docker_engine, local)


def test_a_fresh_clone_pulls_the_published_image_and_builds_nothing(
    published: dict[str, Any], docker_engine: Any
) -> None:
    registry: Registry = published["registry"]
    digest, repository = published["hash"], published["repository"]
    clone = _clone(published["root"], published["origin"], "clone-pull", published["env"])
    proc = _init(clone, "feat/pull")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    events = _events(proc.stdout)
    pulled = _done(events, "prebuilt")
    assert pulled["summary"] == f"pulled {repository}:{digest}"
    assert pulled["data"]["pulled"] is True
    image = _done(events, "image")
    assert not any(line.startswith("Step ") for line in _logs(events, "image")), "built nothing"
    assert image["summary"] in ("image already built", "already done")
    local = docker_engine.images.get(f"devkit-training:{digest[:12]}")
    assert local.id == published["image_id"], "the very image CI pushed"
    log = "\n".join(registry.access_log())
    manifest = re.compile(rf'"(HEAD|GET) /v2/{REPO_PATH}/manifests/{digest} HTTP/1\.1" 200 ')
    assert manifest.search(log), "the engine asked the registry for the hash tag"
    assert re.search(rf'"GET /v2/{REPO_PATH}/manifests/sha256:\w+ HTTP/1\.1" 200 ', log)
    (container,) = workspace_containers(docker_engine, clone.path)
    assert container.status == "running"


def test_b_publish_uses_docker_credentials_and_fails_with_a_hint_without_them(
    published: dict[str, Any], tmp_path: Path, registry_factory: Callable[..., Registry]
) -> None:
    password = secrets.token_hex(12)
    registry = registry_factory(auth=("ci", password))
    workspace = _clone(published["root"], published["origin"], "clone-auth", published["env"])
    repository = f"{registry.host}/{REPO_PATH}"
    profile = workspace.path / ".devkit" / "profiles" / "training.yaml"
    profile.write_text(profile.read_text().replace(published["repository"], repository))
    (workspace.path / ".devcontainer" / "devcontainer.json").unlink()
    env = {**devkit_env(workspace), **SAFE}
    args = ["image", "publish", "--profile", "training", "--network", "host"]
    empty = tmp_path / "docker-empty"
    empty.mkdir()
    refused = run_devkit(workspace, *args, env={**env, "DOCKER_CONFIG": str(empty)})
    assert refused.returncode == 3, refused.stdout[-2000:] + refused.stderr
    hint = f"hint: log in with Docker's own tools first: docker login {registry.host}"
    assert hint in refused.stdout + refused.stderr
    assert registry.tags(REPO_PATH) == []
    config = registry.docker_config(tmp_path / "docker-auth")
    ok = run_devkit(workspace, *args, "--json", env={**env, "DOCKER_CONFIG": str(config)})
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr
    assert registry.tags(REPO_PATH) == sorted([published["hash"], "latest"])
    assert password not in ok.stdout + ok.stderr


def test_e_publish_to_a_registry_the_environments_map_calls_prod_is_refused(
    published: dict[str, Any], registry_factory: Callable[..., Registry]
) -> None:
    registry = registry_factory()
    workspace = _clone(published["root"], published["origin"], "clone-prod", published["env"])
    repository = f"{registry.host}/{REPO_PATH}"
    profile = workspace.path / ".devkit" / "profiles" / "training.yaml"
    profile.write_text(profile.read_text().replace(published["repository"], repository))
    (workspace.path / ".devcontainer" / "devcontainer.json").unlink()
    (workspace.path / ".devkit" / "environments.yaml").write_text(
        "environments:\n"
        "  dev: {accounts: ['111111111111']}\n"
        "  staging: {accounts: ['222222222222']}\n"
        f"  prod: {{accounts: ['333333333333'], registries: ['{registry.host}/*']}}\n"
    )
    env = {**devkit_env(workspace), **SAFE}
    proc = run_devkit(workspace, "image", "publish", "--profile", "training", env=env)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"{repository} is a prod registry" in proc.stdout + proc.stderr
    assert registry.catalog() == [], "nothing reached the registry"
    assert not any("/v2/ml" in line for line in registry.access_log())


@pytest.mark.devcontainer_cli
def test_d_the_reference_cli_on_a_fresh_clone_reuses_the_published_layers(
    published: dict[str, Any], docker_engine: Any
) -> None:
    for container in workspace_containers(docker_engine, published["root"] / "clone-pull"):
        container.remove(force=True)
    _remove_images(docker_engine, published["local"])
    clone = _clone(published["root"], published["origin"], "cli-prebuilt", published["env"])
    env = _cli_env(published["root"])
    try:
        up = _cli("up", "--workspace-folder", str(clone.path), env=env)
        assert up.returncode == 0, up.stderr[-3000:]
        output = up.stdout + up.stderr
        assert f"prebuilt: pulled {published['repository']}:latest" in output
        stamped = (re.sub(r"^\[[^\]]*\]", "", line).strip() for line in output.splitlines())
        lines = [line for line in stamped if line]
        install = next(i for i, line in enumerate(lines) if "RUN python3 -m venv /opt/venv" in line)
        assert "Using cache" in lines[install + 1], lines[install : install + 3]
    finally:
        for container in workspace_containers(docker_engine, clone.path):
            container.remove(force=True)
        for image in docker_engine.images.list(name="vsc-cli-prebuilt-*"):
            with contextlib.suppress(Exception):
                docker_engine.images.remove(image.id, force=True)


def test_c_a_lockfile_changed_on_the_branch_builds_and_says_why(
    published: dict[str, Any], docker_engine: Any
) -> None:
    registry: Registry = published["registry"]
    clone = _clone(published["root"], published["origin"], "clone-lock", published["env"])
    lock = clone.path / "requirements" / "training.lock"
    lock.write_text(lock.read_text() + "# changed on the branch\n")
    proc = _init(clone, "feat/lock")
    try:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        events = _events(proc.stdout)
        fallback = _done(events, "prebuilt")
        why = "the registry has no image for this environment's hash"
        assert fallback["summary"] == f"not pulled: {why}; building instead"
        assert any(line.startswith("Step ") for line in _logs(events, "image")), "it built"
        digest = _done(events, "image")["data"]["hash"]
        assert digest != published["hash"]
        asked = registry.requests("HEAD", f"/v2/{REPO_PATH}/manifests/{digest} ")
        asked += registry.requests("GET", f"/v2/{REPO_PATH}/manifests/{digest} ")
        assert asked and all('" 404 ' in line for line in asked), "asked, and it had none"
    finally:
        for container in workspace_containers(docker_engine, clone.path):
            container.remove(force=True)
        done = [e for e in _events(proc.stdout) if e.get("step") == "image" and e.get("data")]
        if done:
            _remove_images(docker_engine, [f"devkit-training:{done[-1]['data']['hash'][:12]}"])
