"""Shared fixtures: a real Docker Engine, the local base image, an IAM-enforcing S3 (moto) and
isolated git repositories. Helpers live in tests/support/ (importable as ``support``).

In CI (env CI set) a missing engine or S3 server fails the tests that need them; locally those
tests are skipped with the reason. Tests that use ``docker_engine``/``base_image`` are marked
``docker`` and tests that use ``s3_server``/``aws_env`` are marked ``s3`` automatically, so
``pytest -m 'not docker and not s3'`` is the quick, pure run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

from support.engine import (
    TEST_LABEL,
    TEST_LABELS,
    EngineUnavailableError,
    cleanup_test_objects,
    ensure_base_image,
    ensure_engine,
    in_ci,
)
from support.gitrepo import GitRepo, isolated_git_env, make_repo
from support.registry import (
    PUBLIC_BASE,
    Registry,
    RegistryUnavailableError,
    shared_registry,
    start_registry,
)
from support.s3server import Keys, S3Server, start_s3_server

__all__ = ["TEST_LABEL", "TEST_LABELS"]

# devkit's distribution is not on any index this machine reaches: every `devkit init` a test
# runs installs devkit in the image from a vendored wheel (tests of the index path say otherwise).
os.environ.setdefault("DEVKIT_VENDOR", "1")

_DOCKER_FIXTURES = {"docker_engine", "base_image", "registry", "public_base_image"}
_S3_FIXTURES = {"s3_server", "aws_env"}
# Markers that mean "scripts/test.sh must provision something first".
_PROVISIONED = {"docker", "devcontainer_cli", "tmux"}
_timings: dict[str, float] = {}


def _unavailable(what: str, reason: str) -> NoReturn:
    message = f"{what} unavailable: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _no_guard_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard's session cache (devkit.data.guard_cache) is off unless a test turns it on:
    every other test sees the full guard, and nothing lands in the user's cache folder."""
    monkeypatch.setenv("DEVKIT_GUARD_CACHE", "0")


@pytest.fixture(autouse=True)
def _no_config_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache of parsed configuration (devkit.config.parsecache) is off unless a test turns
    it on: every other test parses, and nothing lands in the user's cache folder."""
    monkeypatch.setenv("DEVKIT_CONFIG_CACHE", "0")


@pytest.fixture(autouse=True)
def _no_wheel_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache of devkit's own wheel (devkit.container.wheel) is off unless a test turns it
    on: every other test zips the wheel, and nothing lands in the user's cache folder."""
    monkeypatch.setenv("DEVKIT_WHEEL_CACHE", "0")


def _runs_the_reference_cli(path: Path, seen: dict[Path, bool]) -> bool:
    """Whether a test module runs the reference Dev Containers CLI (it names its .tools install)."""
    if path not in seen:
        try:
            text = path.read_text(encoding="utf-8")
            seen[path] = '".tools"' in text or "DEVCONTAINER_CLI" in text
        except OSError:
            seen[path] = False
    return seen[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seen: dict[Path, bool] = {}
    needs: set[str] = set()
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & _DOCKER_FIXTURES:
            item.add_marker(pytest.mark.docker)
        if used & _S3_FIXTURES:
            item.add_marker(pytest.mark.s3)
        if "tmux" in used:
            item.add_marker(pytest.mark.tmux)
        if _runs_the_reference_cli(Path(str(item.path)), seen):
            item.add_marker(pytest.mark.devcontainer_cli)
        needs.update(m.name for m in item.iter_markers() if m.name in _PROVISIONED)
    # scripts/test.sh asks which prerequisites the selected tests need (engine, CLI, tmux) and
    # provisions only those: `pytest --collect-only` with DEVKIT_TEST_NEEDS_FILE set.
    target = os.environ.get("DEVKIT_TEST_NEEDS_FILE")
    if target:
        Path(target).write_text("".join(f"{name}\n" for name in sorted(needs)))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _timings:
        parts = ", ".join(f"{k} {v:.1f}s" for k, v in _timings.items())
        terminalreporter.write_line(f"test infrastructure: {parts}")


# --- Docker -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A ``docker.DockerClient`` that answers (engine started by scripts/engine.sh if needed).

    Teardown removes this session's test containers/images/networks/volumes (those labelled
    with ``TEST_LABELS``, and devcontainers whose workspace is under pytest's temp dir).
    """
    start = time.monotonic()
    try:
        client = ensure_engine()
    except EngineUnavailableError as exc:
        _unavailable("Docker Engine", str(exc))
    _timings["docker engine"] = time.monotonic() - start
    yield client
    report = cleanup_test_objects(client, tmp_root=tmp_path_factory.getbasetemp())
    if report.errors or os.environ.get("DEVKIT_TEST_SHOW_CLEANUP"):
        print(f"\ndocker cleanup: {report}")
    client.close()


@pytest.fixture(scope="session")
def base_image(docker_engine: Any) -> str:
    """Tag of the local Python base image (built once by scripts/base-image.sh, then cached)."""
    start = time.monotonic()
    try:
        tag = ensure_base_image(docker_engine)
    except EngineUnavailableError as exc:
        _unavailable("base image", str(exc))
    _timings["base image"] = time.monotonic() - start
    return tag


# --- image registry ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def registry(docker_engine: Any, base_image: str) -> Registry:
    """The shared loopback registry (scripts/registry.sh): the engine's registry mirror, holding
    the local base image as library/python:3.11-slim. Push only under a repository of your own."""
    start = time.monotonic()
    try:
        found = shared_registry()
    except RegistryUnavailableError as exc:
        _unavailable("image registry", str(exc))
    _timings["image registry"] = time.monotonic() - start
    return found


@pytest.fixture
def registry_factory(tmp_path: Path) -> Iterator[Callable[..., Registry]]:
    """``registry_factory(auth=("user", "pw"))`` starts a private registry (own storage and
    access log) on a free loopback port; all are stopped after the test."""
    started: list[Registry] = []

    def make(auth: tuple[str, str] | None = None) -> Registry:
        try:
            found = start_registry(tmp_path / f"registry-{len(started)}", auth=auth)
        except RegistryUnavailableError as exc:
            _unavailable("image registry", str(exc))
        started.append(found)
        return found

    yield make
    for one in started:
        one.stop()


@pytest.fixture(scope="session")
def public_base_image(docker_engine: Any, registry: Registry) -> str:
    """The profiles' public base image name (python:3.11-slim), pulled for real through the
    engine's registry mirror, the way an engine that reaches Docker Hub would get it."""
    mirrors = docker_engine.info().get("RegistryConfig", {}).get("Mirrors") or []
    if not any(registry.host in mirror for mirror in mirrors):
        _unavailable(
            "registry mirror",
            f"the engine has no --registry-mirror=http://{registry.host} (mirrors: {mirrors}); "
            "restart it with that flag (scripts/engine.sh adds it from DEVKIT_REGISTRY_MIRROR)",
        )
    name, tag = PUBLIC_BASE.split(":")
    try:
        docker_engine.images.pull(name, tag=tag)
    except Exception as exc:  # the SDK's errors, reported as the missing prerequisite they are
        _unavailable("registry mirror", f"pulling {PUBLIC_BASE} failed: {exc}")
    return PUBLIC_BASE


# --- S3 / STS / IAM ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto on 127.0.0.1 with IAM enforced and the dev account set up (see support.s3server).

    Session-scoped and shared: write under a key prefix of your own (e.g. the test's name) and
    do not change the seeded objects, users or policies.
    """
    start = time.monotonic()
    try:
        server = start_s3_server(tmp_path_factory.mktemp("moto"))
    except Exception as exc:  # any failure to start is "S3 unavailable", with its reason
        _unavailable("S3 server (moto)", f"{type(exc).__name__}: {exc}")
    _timings["moto start+setup"] = time.monotonic() - start
    yield server
    server.stop()


@pytest.fixture
def aws_env(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> Callable[[Keys], None]:
    """Call ``aws_env(keys)`` to point this process's AWS env at moto as ``keys``.

    Every host ``AWS_*`` variable is removed first; everything is undone after the test.
    """

    def use(keys: Keys) -> None:
        for name in [n for n in os.environ if n.startswith("AWS_")]:
            monkeypatch.delenv(name)
        for name, value in s3_server.env_for(keys).items():
            monkeypatch.setenv(name, value)

    return use


# --- git --------------------------------------------------------------------------------------


@pytest.fixture
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Isolate git's config for this test (HOME, GIT_CONFIG_GLOBAL, GIT_CONFIG_NOSYSTEM…).

    Applied to ``os.environ`` with monkeypatch, so GitPython and subprocesses see it; returns a
    copy of the resulting full environment.
    """
    for name, value in isolated_git_env(tmp_path / "githome").items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)


@pytest.fixture
def git_repo(tmp_path: Path, git_env: dict[str, str]) -> GitRepo:
    """A real repo at ``tmp_path/'workspace'`` with a README and one commit on ``main``."""
    return make_repo(tmp_path / "workspace", env=git_env)
