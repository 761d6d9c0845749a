"""Prebuilt images, the pure parts: the profile key, the registry's environment, the committed
cacheFrom and its best-effort pull, and the refusals of `devkit image publish` (no engine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from devkit.config.environments import load_environments
from devkit.config.model import Profile
from devkit.config.profiles import ProfileSet
from devkit.container.registry import check_not_prod, ecr_account, ecr_region, registry_host
from devkit.container.render import render
from devkit.core.errors import ProblemsError, RefusedError
from devkit.core.records import replace
from support.contract import check_json_output

ECR = "333333333333.dkr.ecr.eu-west-1.amazonaws.com/ml/training-dev"


def _workspace(tmp_path: Path, prebuilt: str) -> Path:
    folder = tmp_path / ".devkit" / "profiles"
    folder.mkdir(parents=True)
    (folder / "training.yaml").write_text(
        f"name: training\nextends: training\nimage:\n  prebuilt: {prebuilt}\n"
    )
    return tmp_path


@pytest.mark.parametrize(
    "value",
    [
        "registry.example.com/ml/training-dev",
        "127.0.0.1:5055/ml/training-dev",
        "localhost:5000/dev",
        ECR,
    ],
)
def test_prebuilt_accepts_registry_repositories(tmp_path: Path, value: str) -> None:
    profile = ProfileSet(_workspace(tmp_path, value)).get("training")
    assert profile.image.prebuilt == value
    assert profile.image.base == "python:3.11-slim", "the rest of image: is inherited"


@pytest.mark.parametrize(
    "value",
    [
        "acme/training-dev",  # no registry host: Docker Hub by accident
        "registry.example.com/ml/training-dev:latest",  # a tag: devkit tags by hash
        "registry.example.com/ML/Training",
        "registry.example.com",
    ],
)
def test_prebuilt_rejects_the_rest_with_file_line_col(tmp_path: Path, value: str) -> None:
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(_workspace(tmp_path, value)).get("training")
    (problem,) = caught.value.problems
    assert str(problem.where) == ".devkit/profiles/training.yaml:4:13"
    assert "image.prebuilt" in problem.what and "REGISTRY/REPO" in problem.hint


def test_ecr_hosts_name_their_account_and_region() -> None:
    assert ecr_account(ECR) == "333333333333" and ecr_region(ECR) == "eu-west-1"
    assert registry_host(ECR) == "333333333333.dkr.ecr.eu-west-1.amazonaws.com"
    assert ecr_account("registry.example.com/ml/x") is None
    assert ecr_account("333333333333.dkr.ecr.eu-west-1.amazonaws.com.evil.test/x") is None


def test_the_environments_map_classifies_registries(tmp_path: Path) -> None:
    builtin = load_environments(None)
    assert builtin.classify_registry(ECR, ecr_account(ECR)) == "prod"
    assert builtin.classify_registry("registry.example.com/ml/x") == "unknown"
    (tmp_path / ".devkit").mkdir()
    (tmp_path / ".devkit" / "environments.yaml").write_text(
        "environments:\n"
        "  dev: {registries: ['registry.example.com/ml/*']}\n"
        "  staging: {}\n"
        "  prod: {registries: ['registry.example.com/ml/prod-*']}\n"
    )
    envmap = load_environments(tmp_path)
    assert envmap.classify_registry("registry.example.com/ml/training-dev") == "dev"
    assert envmap.classify_registry("registry.example.com/ml/prod-training") == "prod"


def _with_prebuilt() -> Profile:
    profile = ProfileSet(None).get("training")
    image = replace(profile.image, prebuilt="registry.example.com/ml/training-dev")
    return replace(profile, image=image)


def test_devcontainer_json_lists_the_prebuilt_image_as_cache_and_pulls_it_first() -> None:
    plain = ProfileSet(None).get("training")
    assert "cacheFrom" not in render(plain).config["build"]
    config = render(_with_prebuilt()).config
    assert config["build"]["cacheFrom"] == ["registry.example.com/ml/training-dev:latest"]
    commands = config["initializeCommand"]
    assert commands["host-trust"] == ["sh", "${localWorkspaceFolder}/.devcontainer/host-trust.sh"]
    assert commands["prebuilt-cache"][-1] == "registry.example.com/ml/training-dev:latest"


def _pull_snippet(tmp_path: Path, docker: str | None) -> subprocess.CompletedProcess[str]:
    """The committed initializeCommand's pull, run by sh with a stand-in `docker` (or none)."""
    argv = render(_with_prebuilt()).config["initializeCommand"]["prebuilt-cache"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    if docker is not None:
        (bin_dir / "docker").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/calls\n{docker}\n')
        (bin_dir / "docker").chmod(0o755)
    sh = "/bin/sh"
    env = {"PATH": str(bin_dir)}
    return subprocess.run([sh, *argv[1:]], env=env, capture_output=True, text=True, check=False)


def test_the_cache_pull_is_best_effort(tmp_path: Path) -> None:
    absent = _pull_snippet(tmp_path / "absent", None)
    assert absent.returncode == 0 and absent.stdout == ""
    failing = _pull_snippet(tmp_path / "failing", "exit 1")
    assert failing.returncode == 0 and "not available" in failing.stdout
    working = _pull_snippet(tmp_path / "working", "exit 0")
    assert working.returncode == 0
    assert "prebuilt: pulled registry.example.com/ml/training-dev:latest" in working.stdout
    calls = (tmp_path / "working" / "calls").read_text()
    assert calls == "pull -q registry.example.com/ml/training-dev:latest\n"


def _devkit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "DOCKER_HOST": "unix:///nonexistent/docker.sock"}
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    check_json_output(args, proc.stdout)
    return proc


def _git_workspace(tmp_path: Path, prebuilt: str | None) -> Path:
    if prebuilt:
        _workspace(tmp_path, prebuilt)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    return tmp_path


def test_publish_refuses_a_prod_ecr_registry_before_anything(tmp_path: Path) -> None:
    ws = _git_workspace(tmp_path, ECR)
    proc = _devkit(ws, "image", "publish", "--profile", "training", "--dry-run")
    assert proc.returncode == 4, proc.stderr
    assert f"error: {ECR} is a prod registry (account 333333333333" in proc.stderr
    assert "hint: point image.prebuilt at the team's dev registry" in proc.stderr
    assert not (ws / ".devcontainer").exists()


def test_publish_needs_a_prebuilt_repository(tmp_path: Path) -> None:
    ws = _git_workspace(tmp_path, None)
    proc = _devkit(ws, "image", "publish", "--profile", "training", "--json")
    assert proc.returncode == 2
    assert "profile 'training' names no prebuilt image repository" in proc.stderr
    assert "hint: add 'image: {prebuilt: REGISTRY/REPO}'" in proc.stderr


def test_image_help_ends_with_examples() -> None:
    proc = _devkit(Path.cwd(), "image", "publish", "--help")
    assert proc.returncode == 0
    assert "examples:\n  devkit image publish --profile training" in proc.stdout


def test_a_failed_pull_says_why_in_one_line() -> None:
    from devkit.container.prebuilt import _why_not

    repo = "registry.example.com/ml/training-dev"
    missing = "manifest for registry.example.com/ml/training-dev:ab12 not found: manifest unknown"
    assert _why_not(missing, repo) == "the registry has no image for this environment's hash"
    refused = _why_not("unauthorized: authentication required", repo)
    assert refused == "the registry refused the credentials (docker login registry.example.com)"
    down = _why_not("dial tcp 127.0.0.1:1: connect: connection refused", repo)
    assert down == "the pull failed: dial tcp 127.0.0.1:1: connect: connection refused"


def test_a_hash_holding_401_is_no_auth_failure() -> None:
    from devkit.container.engine import is_auth_failure

    assert not is_auth_failure("manifest for r/x:ab401cd403ef not found: manifest unknown")
    assert is_auth_failure("received unexpected HTTP status: 401 Unauthorized")
    assert is_auth_failure("denied: requested access to the resource is denied")


@pytest.mark.parametrize(
    "repository",
    [
        "333333333333.DKR.ECR.eu-west-1.amazonaws.com/ml/training-dev",
        "333333333333.dkr.ecr.EU-WEST-1.amazonaws.com/ml/training-dev",
        "333333333333.dkr.ecr.eu-west-1.amazonaws.com:443/ml/training-dev",
        "333333333333.dkr.ecr.eu-west-1.amazonaws.com./ml/training-dev",
        "333333333333.dkr-ecr.eu-west-1.on.aws/ml/training-dev",
    ],
)
def test_prod_ecr_spellings_are_all_refused(repository: str) -> None:
    """Host names are case-insensitive, may end in a dot, :443 is the default port and ECR has a
    dual-stack name: each spelling of a prod account's registry is that registry."""
    assert ecr_account(repository) == "333333333333"
    with pytest.raises(RefusedError):
        check_not_prod(repository, None)


def test_registries_patterns_match_any_spelling_of_the_host(tmp_path: Path) -> None:
    (tmp_path / ".devkit").mkdir()
    (tmp_path / ".devkit" / "environments.yaml").write_text(
        "environments:\n  dev: {}\n  staging: {}\n"
        "  prod: {registries: ['registry.example.com/ml/prod-*']}\n"
    )
    for spelling in (
        "REGISTRY.example.com/ml/prod-app",
        "registry.example.com:443/ml/prod-app",
        "registry.example.com./ml/prod-app",
    ):
        with pytest.raises(RefusedError):
            check_not_prod(spelling, tmp_path)
