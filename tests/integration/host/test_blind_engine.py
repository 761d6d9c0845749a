"""An engine that cannot see the workspace is refused before anything runs on it.

A second dockerd (scripts/engine.sh's private-engine mode: own socket, data root, exec root and
network namespace) is started inside its own **mount** namespace, where a private tmpfs covers
the parent of the test's workspace and only an empty folder of the same name exists — what a
remote build or GPU box behind ``DOCKER_HOST`` sees of a laptop's path. A bind mount there would
give the container an empty ``/workspace``, silently; devkit must exit 3 instead.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from support.engine import BASE_IMAGE, SCRIPTS, TEST_LABELS, in_ci
from support.gitrepo import make_repo

from .test_host_target import sample_files, snapshot


@dataclass
class BlindEngine:
    host: str  # DOCKER_HOST of the second engine
    workspace: Path  # exists for devkit; an empty folder of that name for the engine


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True
        except (FileNotFoundError, IndexError):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def blind_engine(tmp_path: Path, docker_engine: Any, base_image: str) -> Iterator[BlindEngine]:
    if os.geteuid() != 0:
        if in_ci():
            pytest.fail("a second dockerd needs root (CI runs as root)")
        pytest.skip("a second dockerd needs root")
    hidden = tmp_path / "hidden"
    workspace = hidden / "ws"
    sock = os.path.realpath(tmp_path / "blind.sock")
    engine_id = hashlib.sha256(sock.encode()).hexdigest()[:8]
    pid_file = Path(f"/var/run/devkit-dockerd-{engine_id}.pid")
    exec_root = Path(f"/var/run/devkit-docker-{engine_id}")
    data_root = tmp_path / "data"
    env = {
        **os.environ,
        "DOCKER_HOST": f"unix://{sock}",
        "DEVKIT_DOCKERD_DATA_ROOT": str(data_root),
        "DEVKIT_DOCKERD_LOG": str(tmp_path / "dockerd.log"),
    }
    workspace.mkdir(parents=True)
    # The engine's own view: a private tmpfs over the parent, and an empty folder of the same
    # name (the worst case: the bind mount succeeds and shows nothing).
    script = (
        f'mount -t tmpfs devkit-blind "{hidden}" && mkdir -p "{workspace}" '
        f'&& exec bash "{SCRIPTS / "engine.sh"}"'
    )
    started = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "bash", "-c", script],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )
    try:
        if started.returncode != 0:
            pytest.fail(f"could not start a second dockerd: {started.stdout}{started.stderr}")
        # The engine needs an image to run the proof with (it has no registry, no network).
        save = subprocess.Popen(["docker", "save", base_image], stdout=subprocess.PIPE)
        loaded = subprocess.run(
            ["docker", "load", "-q"], stdin=save.stdout, env=env, capture_output=True, timeout=600
        )
        save.wait(timeout=60)
        assert loaded.returncode == 0, loaded.stderr
        yield BlindEngine(f"unix://{sock}", workspace)
    finally:
        if pid_file.exists():
            pid = int(pid_file.read_text())
            os.kill(pid, signal.SIGTERM)
            if not _wait_gone(pid, 30):
                os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, 10)
        for mounted in (data_root, exec_root):
            subprocess.run(["umount", "-R", "-l", str(mounted)], capture_output=True)
        subprocess.run(["rm", "-rf", "--one-file-system", str(exec_root)], check=False)


def _workspace_sleeper(client: Any, workspace: Path) -> Any:
    """A running container labelled as ``workspace``'s, with it bind-mounted at /workspace."""
    from docker.types import Mount

    return client.containers.run(
        BASE_IMAGE,
        ["sleep", "600"],
        detach=True,
        labels={**TEST_LABELS, "devcontainer.local_folder": str(workspace)},
        mounts=[Mount("/workspace", str(workspace), type="bind")],
        network_mode="none",
    )


def _main_engine_state(client: Any) -> tuple[bool, set[str], set[str]]:
    networks = {n.name for n in client.networks.list()}
    probes = {
        c.id for c in client.containers.list(all=True, filters={"label": "org.devkit.engine-probe"})
    }
    return Path("/sys/class/net/docker0").exists(), networks, probes


@pytest.mark.docker
@pytest.mark.slow
def test_an_engine_that_cannot_see_the_workspace_is_refused(
    blind_engine: BlindEngine, docker_engine: Any, tmp_path: Path
) -> None:
    import docker

    main_before = _main_engine_state(docker_engine)
    repo = make_repo(blind_engine.workspace, files=sample_files())
    before = snapshot(repo.path)
    env = {
        **repo.env,
        "DOCKER_HOST": blind_engine.host,
        "NO_COLOR": "1",
        "DEVKIT_EXTRA_LABELS": ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()),
    }
    args = [
        "init", "--profile", "training", "--branch", "feat/remote", "--data", "synthetic",
        "--base-image", BASE_IMAGE, "--network", "host", "--yes",
    ]  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        cwd=repo.path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "does not see this workspace" in lines[0]
    assert lines[-1].startswith("hint: ") and "--target host" in lines[-1]
    assert "Traceback" not in proc.stderr
    # Nothing changed: no branch, no files, no marker left behind.
    assert repo.git("branch", "--list", "feat/remote") == ""
    assert snapshot(repo.path) == before

    blind = docker.DockerClient(base_url=blind_engine.host, timeout=60)
    try:
        # Nothing runs (or ran) on the blind engine: the proof's container is gone too.
        assert blind.containers.list(all=True) == []
        # The proof itself, as the container step runs it before starting a container.
        from devkit.container.visibility import prove_engine_sees
        from devkit.core.errors import NotReadyError

        with pytest.raises(NotReadyError) as refused:
            prove_engine_sees(
                blind, BASE_IMAGE, repo.path, str(repo.path), "/workspace", dict(TEST_LABELS)
            )
        assert "/workspace" in refused.value.what
        assert blind.containers.list(all=True) == []
        # A container of this workspace already running there (its bind shows the engine's
        # empty folder): the early proof reads through it, does not find the marker, and the
        # probe container still refuses.
        from devkit.container.visibility import prove_early, running_bind

        sleeper = _workspace_sleeper(blind, repo.path)
        try:
            assert running_bind(blind, repo.path) == (sleeper.id, "/workspace")
            with pytest.raises(NotReadyError):
                prove_early(blind, repo.path, [BASE_IMAGE])
            assert not list((repo.path / ".devkit").glob("engine-probe-*"))
            assert [c.id for c in blind.containers.list(all=True)] == [sleeper.id]
        finally:
            sleeper.remove(force=True)
        # …and the same proof passes on the main engine, which sees this path.
        assert (
            prove_engine_sees(
                docker_engine,
                BASE_IMAGE,
                repo.path,
                str(repo.path),
                "/workspace",
                dict(TEST_LABELS),
            )
            > 0
        )
    finally:
        blind.close()
    assert not list((repo.path / ".devkit").glob("engine-probe-*"))
    assert _main_engine_state(docker_engine) == main_before


@pytest.mark.docker
def test_the_proof_on_a_local_engine_leaves_nothing_behind(
    docker_engine: Any, base_image: str, tmp_path: Path
) -> None:
    from devkit.container.visibility import prove_early

    repo = make_repo(tmp_path / "ws")
    before = snapshot(repo.path)
    labels = {"label": "org.devkit.engine-probe"}
    probes = {c.id for c in docker_engine.containers.list(all=True, filters=labels)}
    assert prove_early(docker_engine, repo.path, ["no-such-image:devkit-test", base_image])
    assert not (repo.path / ".devkit").exists()  # not even the folder it made for the marker
    assert snapshot(repo.path) == before
    assert {c.id for c in docker_engine.containers.list(all=True, filters=labels)} == probes
    # An engine holding none of the images proves nothing here (the container step will).
    assert not prove_early(docker_engine, repo.path, ["no-such-image:devkit-test"])


@pytest.mark.docker
def test_a_running_container_of_the_workspace_proves_it_without_a_probe(
    docker_engine: Any, base_image: str, tmp_path: Path
) -> None:
    """A warm workspace: the marker is read through the running container's bind, so the
    early proof passes even when the engine holds none of the probe images."""
    from devkit.container.visibility import prove_early

    repo = make_repo(tmp_path / "ws")
    before = snapshot(repo.path)
    # No running container of the workspace: nothing proves it without an image.
    assert not prove_early(docker_engine, repo.path, ["no-such-image:devkit-test"])
    sleeper = _workspace_sleeper(docker_engine, repo.path)
    try:
        assert prove_early(docker_engine, repo.path, ["no-such-image:devkit-test"])
    finally:
        sleeper.remove(force=True)
    assert not (repo.path / ".devkit").exists()
    assert snapshot(repo.path) == before
