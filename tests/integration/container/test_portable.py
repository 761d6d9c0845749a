"""One committed dev environment that opens anywhere (real engine, real reference CLI, real git).

The sample workspace goes through `devkit init --vendor` with this machine's local layer (host
networking), is committed, cloned afresh, and the clone is opened by the reference Dev Containers
CLI from the committed files alone — no devkit on the PATH the CLI gets, no override config. Then
the same clone is opened by `devkit init` on the host: the committed files stay as they are.

The profile's base image name (`python:3.11-slim`) is pulled for real through the engine's
registry mirror, a loopback registry holding the local Debian base image under that name (see
scripts/registry.sh); nothing is re-tagged. The clone is handed to UID 1000 (a teammate's usual
UID) so the container user `dev` (UID 1000, the committed default) may write into it; the tests
run as root, for which the CLI leaves the UID as it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from support.gitrepo import GitRepo, isolated_git_env, run_git

from .conftest import devkit_env, run_devkit, workspace_containers

REPO_ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = REPO_ROOT / "examples" / "ml-platform"
CLI = REPO_ROOT / ".tools" / "node_modules" / ".bin" / "devcontainer"
PROFILE_BASE = "python:3.11-slim"
TEAMMATE = 1000
# git refuses a repository owned by another user; the tests (root) look at the teammate's clone.
SAFE = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*"}
timings: dict[str, float] = {}


def _cli_env(home: Path) -> dict[str, str]:
    """A plain environment for the CLI: system PATH plus node and docker, never devkit."""
    dirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    for tool in ("node", "docker"):
        found = shutil.which(tool)
        if found and str(Path(found).parent) not in dirs:
            dirs.append(str(Path(found).parent))
    path = os.pathsep.join(d for d in dirs if not (Path(d) / "devkit").exists())
    keep = ("DOCKER_HOST", "DOCKER_CONFIG", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "LANG")
    env = {k: v for k, v in os.environ.items() if k in keep}
    return {**env, "PATH": path, "HOME": str(home), **SAFE}


def _cli(*args: str, env: dict[str, str], timeout: int = 1500) -> Any:
    if not CLI.is_file():
        from support.engine import in_ci

        message = f"the Dev Containers CLI is not installed at {CLI}"
        if in_ci():
            pytest.fail(message + " (scripts/test.sh installs it)")
        pytest.skip(message + " (npm install --prefix .tools @devcontainers/cli)")
    started = time.monotonic()
    proc = subprocess.run(
        [str(CLI), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    took = time.monotonic() - started
    tail = "\n".join(proc.stderr.splitlines()[-40:])
    print(f"$ devcontainer {' '.join(args)}  ({took:.1f} s)\n{proc.stdout}\n{tail}")
    return proc


def _result(proc: Any) -> dict[str, Any]:
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _chown(root: Path, uid: int) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), uid, uid)
    os.lchown(root, uid, uid)


def commit_sample(root: Path, profile_extra: str = "", lock_extra: str = "") -> GitRepo:
    """The sample workspace copied to ROOT/origin and committed on main, its training profile on
    a free loopback port (the engine is shared: another workspace may hold port 5000) plus
    ``profile_extra``, its lockfile plus ``lock_extra``."""
    origin = root / "origin"
    shutil.copytree(EXAMPLE, origin)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    override = origin / ".devkit" / "profiles" / "training.yaml"
    override.write_text(override.read_text() + f"ports: [{port}]\n" + profile_extra)
    if lock_extra:
        lock = origin / "requirements" / "training.lock"
        lock.write_text(lock.read_text() + lock_extra)
    env = {**os.environ, **isolated_git_env(root / "githome"), **SAFE}
    run_git(origin, env, "init", "-q", "-b", "main")
    run_git(origin, env, "add", "-A")
    run_git(origin, env, "commit", "-q", "-m", "ml-platform sample workspace")
    return GitRepo(origin, "main", env)


@pytest.fixture(scope="module")
def committed_clone(
    tmp_path_factory: pytest.TempPathFactory, docker_engine: Any, public_base_image: str
) -> dict[str, Any]:
    """origin: the sample workspace after `devkit init --vendor`, committed; clone: a fresh
    `git clone` of it, owned by the teammate."""
    assert public_base_image == PROFILE_BASE
    root = tmp_path_factory.mktemp("portable")
    repo = commit_sample(root)
    origin, env = repo.path, repo.env
    init = ["init", "--profile", "training", "--branch", "feat/x", "--data", "synthetic"]
    proc = run_devkit(repo, *init, "--yes", "--no-input", "--vendor", "--network", "host")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "dev environment")
    clone = root / "clone"
    run_git(root, env, "clone", "-q", str(origin), str(clone))
    _chown(clone, TEAMMATE)
    return {"origin": repo, "clone": GitRepo(clone, "feat/x", env), "root": root, "init": init}


def test_what_devkit_commits_is_portable(committed_clone: dict[str, Any]) -> None:
    origin: GitRepo = committed_clone["origin"]
    tracked = origin.git("ls-files", ".devcontainer").splitlines()
    assert ".devcontainer/devcontainer.json" in tracked
    assert ".devcontainer/host-trust.sh" in tracked and ".devcontainer/workload.lock" in tracked
    assert any(p.startswith(".devcontainer/vendor/acme_ml_devkit-") for p in tracked)
    assert not any(".local" in p for p in tracked), "the host's CA bundle is never committed"
    assert (origin.path / ".devcontainer" / ".local" / "host-ca.crt").is_file()
    assert origin.git("status", "--porcelain") == ""
    for rel in tracked:
        data = (origin.path / rel).read_bytes()
        assert str(origin.path).encode() not in data, rel
        assert b"devkit-base:bookworm" not in data and b"network=host" not in data, rel
    local = json.loads((origin.path / ".devkit" / "devcontainer.local.json").read_text())
    assert local["build"]["options"] == ["--network=host"]


def test_fresh_clone_opens_with_the_reference_cli_and_no_devkit_on_the_host(
    committed_clone: dict[str, Any], docker_engine: Any
) -> None:
    clone: GitRepo = committed_clone["clone"]
    env = _cli_env(committed_clone["root"])
    assert shutil.which("devkit", path=env["PATH"]) is None
    started = time.monotonic()
    up = _cli("up", "--workspace-folder", str(clone.path), env=env)
    timings["cli cold up"] = time.monotonic() - started
    assert up.returncode == 0, up.stderr[-3000:]
    result = _result(up)
    assert result["outcome"] == "success" and result["remoteUser"] == "dev"
    assert "host-trust: CA bundle" in up.stderr, "initializeCommand ran on the host"
    data = clone.path / "data" / "training"
    assert (data / "documents.parquet").is_file() and (data / "labels.parquet").is_file()
    status = _cli("exec", "--workspace-folder", str(clone.path), "devkit", "status", env=env)
    assert status.returncode == 0 and "training" in status.stdout
    fetch = "cd /tmp && python -m pip download six --no-deps -q -d /tmp/pip && ls /tmp/pip"
    pip = _cli("exec", "--workspace-folder", str(clone.path), "sh", "-c", fetch, env=env)
    assert pip.returncode == 0 and "six-" in pip.stdout, "the index through the TLS interception"
    whoami = _cli("exec", "--workspace-folder", str(clone.path), "id", "-u", env=env)
    assert whoami.stdout.strip().splitlines()[-1] == str(TEAMMATE)
    assert clone.git("status", "--porcelain") == "", "opening the clone changes no tracked file"
    started = time.monotonic()
    again = _cli("up", "--workspace-folder", str(clone.path), env=env)
    timings["cli warm up"] = time.monotonic() - started
    assert again.returncode == 0 and _result(again)["containerId"] == result["containerId"]
    cold, warm = timings["cli cold up"], timings["cli warm up"]
    print(f"reference CLI: cold up {cold:.1f} s, warm {warm:.1f} s")


def test_the_same_clone_with_devkit_keeps_the_committed_files(
    committed_clone: dict[str, Any], docker_engine: Any
) -> None:
    clone: GitRepo = committed_clone["clone"]
    before = {p: p.read_bytes() for p in (clone.path / ".devcontainer").rglob("*") if p.is_file()}
    env = {**devkit_env(clone), **SAFE}
    args = [*committed_clone["init"], "--yes", "--no-input", "--network", "host"]
    proc = run_devkit(clone, *args, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "files already match the profile" in proc.stdout
    assert clone.git("status", "--porcelain") == ""
    assert not (clone.path / ".devkit" / "backups").exists(), "no backup churn"
    after = {p: p.read_bytes() for p in (clone.path / ".devcontainer").rglob("*") if p.is_file()}
    assert after == before
    (container,) = workspace_containers(docker_engine, clone.path)
    assert container.status == "running"
    code, out = container.exec_run(["id", "-u"], user="dev")
    assert code == 0 and out.decode().strip() == str(TEAMMATE)
    started = time.monotonic()
    warm = run_devkit(clone, *args, env=env)
    took = time.monotonic() - started
    assert warm.returncode == 0 and "Nothing to do" in warm.stdout
    print(f"devkit init on the clone, warm re-run: {took:.1f} s")
    report = json.loads(run_devkit(clone, "status", "--json", env=env).stdout)
    assert report["devcontainer"]["in_sync"] is True
    assert report["devcontainer"]["override"] == ".devkit/devcontainer.local.json"


@pytest.fixture(scope="module", autouse=True)
def _remove_cli_images(docker_engine: Any) -> Any:
    """The reference CLI's images carry no test label: remove those built for the clone."""
    yield
    import docker.errors

    for image in docker_engine.images.list(name="vsc-clone-*"):
        with contextlib.suppress(docker.errors.APIError):
            docker_engine.images.remove(image.id, force=True)


@pytest.fixture
def local_index(tmp_path: Path) -> Any:
    """A PEP 503 folder holding this devkit's wheel, served on 127.0.0.1 by a thread."""
    import functools
    import hashlib
    import http.server
    import threading

    from devkit.container import wheel

    project = tmp_path / "index" / "simple" / wheel.normalized_name()
    path = wheel.build_wheel(project)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (project / "index.html").write_text(f'<a href="{path.name}#sha256={digest}">{path.name}</a>\n')

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path / "index"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_address[1]}/simple/", "sha256": digest}
    finally:
        server.shutdown()
        server.server_close()


def test_devkit_from_a_package_index_pinned_by_hash(
    tmp_path: Path, docker_engine: Any, init_args: Any, local_index: dict[str, str]
) -> None:
    from .conftest import new_workspace

    repo = new_workspace(tmp_path / "ws")
    empty = local_index["url"].replace("/simple/", "/nothing/")
    missing = run_devkit(repo, *init_args("feat/index"), "--no-vendor", "--extra-index-url", empty)
    assert missing.returncode == 3 and "--vendor" in missing.stderr
    assert not (repo.path / ".devcontainer").exists()
    extra = ("--no-vendor", "--extra-index-url", local_index["url"])
    proc = run_devkit(repo, *init_args("feat/index"), *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pin = (repo.path / ".devcontainer" / "devkit-pin.txt").read_text()
    assert f"acme-ml-devkit==0.1.0 \\\n    --hash=sha256:{local_index['sha256']}\n" in pin
    assert not (repo.path / ".devcontainer" / "vendor").exists()
    for path in (repo.path / ".devcontainer").rglob("*"):
        if path.is_file() and ".local" not in path.parts:
            assert "127.0.0.1" not in path.read_text(), "the index URL stays machine-local"
    local = json.loads((repo.path / ".devkit" / "devcontainer.local.json").read_text())
    assert local["build"]["args"]["DEVKIT_EXTRA_INDEX_URL"] == local_index["url"]
    (container,) = workspace_containers(docker_engine, repo.path)
    code, out = container.exec_run(["devkit", "--version"])
    assert code == 0 and "0.1.0" in out.decode()
    refused = run_devkit(
        repo, *init_args("feat/index"), "--index-url", "https://u:secret@i.example/simple/"
    )
    assert refused.returncode == 4 and "secret" not in refused.stdout + refused.stderr
