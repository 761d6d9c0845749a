"""Real image registries on 127.0.0.1 for tests: Debian's ``docker-registry`` (the CNCF
distribution registry, 2.8).

- ``shared_registry()``: the one ``scripts/registry.sh`` keeps running on 127.0.0.1:5055 (or
  ``DEVKIT_REGISTRY_PORT``). The engine uses it as its ``--registry-mirror``, and it holds the
  local base image as ``library/python:3.11-slim``, so that public name pulls for real.
- ``start_registry(folder, auth=...)``: a private registry process on a free loopback port with
  storage, config and access log of its own, optionally behind htpasswd (bcrypt) auth. Use it
  when a test reads the access log or needs auth; ``stop()`` it (the fixture does).

Docker talks plain HTTP to a loopback registry without any engine configuration.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_PORT = int(os.environ.get("DEVKIT_REGISTRY_PORT", "5055"))
# What the shared registry serves through the engine's mirror, and the image it is seeded from.
PUBLIC_BASE = "python:3.11-slim"
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    )
)


class RegistryUnavailableError(RuntimeError):
    """No registry could be had; the message says why."""


@dataclass
class Registry:
    """A running registry on 127.0.0.1. ``host`` is what image names start with."""

    host: str
    folder: Path | None = None
    auth: tuple[str, str] | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def _request(self, method: str, path: str, accept: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, method=method)
        if accept:
            request.add_header("Accept", accept)
        if self.auth:
            token = b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def answers(self) -> bool:
        try:
            status, _ = self._request("GET", "/v2/")
        except OSError:
            return False
        return status in (200, 401)

    def has_manifest(self, repo: str, tag: str) -> bool:
        status, _ = self._request("HEAD", f"/v2/{repo}/manifests/{tag}", accept=MANIFEST_TYPES)
        return status == 200

    def tags(self, repo: str) -> list[str]:
        status, body = self._request("GET", f"/v2/{repo}/tags/list")
        if status != 200:
            return []
        return sorted(json.loads(body).get("tags") or [])

    def catalog(self) -> list[str]:
        status, body = self._request("GET", "/v2/_catalog")
        return sorted(json.loads(body).get("repositories") or []) if status == 200 else []

    @property
    def log_path(self) -> Path:
        if self.folder is None:
            raise RegistryUnavailableError("the shared registry's log is not the test's to read")
        return self.folder / "registry.log"

    def access_log(self) -> list[str]:
        """The access-log lines so far, e.g. ``"GET /v2/app/manifests/abc HTTP/1.1" 200``."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return [
            line
            for line in text.splitlines()
            if '"GET /v2/' in line
            or '"HEAD /v2/' in line
            or '"PUT /v2/' in line
            or '"POST /v2/' in line
            or '"PATCH /v2/' in line
        ]

    def requests(self, method: str, path_part: str) -> list[str]:
        """Access-log lines of ``method`` requests whose path contains ``path_part``."""
        return [line for line in self.access_log() if f'"{method} ' in line and path_part in line]

    def docker_config(self, folder: Path) -> Path:
        """A Docker client config folder holding this registry's credentials (``auths``)."""
        if self.auth is None:
            raise ValueError("this registry has no auth")
        folder.mkdir(parents=True, exist_ok=True)
        token = b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
        (folder / "config.json").write_text(json.dumps({"auths": {self.host: {"auth": token}}}))
        return folder

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _binary() -> str:
    found = shutil.which("docker-registry") or shutil.which("registry")
    if not found:
        raise RegistryUnavailableError(
            "docker-registry is not installed (scripts/test.sh installs Debian's docker-registry)"
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _htpasswd_line(user: str, password: str) -> str:
    import bcrypt  # the registry accepts bcrypt entries only

    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()}\n"


def start_registry(folder: Path, auth: tuple[str, str] | None = None) -> Registry:
    """A private registry on a free 127.0.0.1 port, storing under ``folder``."""
    binary = _binary()
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = [
        "version: 0.1",
        "log:",
        "  level: info",
        "  accesslog:",
        "    disabled: false",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {folder / 'storage'}",
        "  delete:",
        "    enabled: true",
        "http:",
        f"  addr: 127.0.0.1:{port}",
    ]
    if auth is not None:
        (folder / "htpasswd").write_text(_htpasswd_line(*auth))
        config += [
            "auth:",
            "  htpasswd:",
            "    realm: devkit-test",
            f"    path: {folder / 'htpasswd'}",
        ]
    (folder / "config.yml").write_text("\n".join(config) + "\n")
    log = (folder / "registry.log").open("ab")
    process = subprocess.Popen(
        [binary, "serve", str(folder / "config.yml")],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    registry = Registry(f"127.0.0.1:{port}", folder=folder, auth=auth, process=process)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if registry.answers():
            return registry
        if process.poll() is not None:
            break
        time.sleep(0.1)
    registry.stop()
    tail = (folder / "registry.log").read_text(errors="replace")[-2000:]
    raise RegistryUnavailableError(f"docker-registry did not answer on 127.0.0.1:{port}: {tail}")


def shared_registry() -> Registry:
    """The loopback registry scripts/registry.sh runs (started and seeded here if it is not)."""
    registry = Registry(f"127.0.0.1:{SHARED_PORT}")
    if registry.answers() and registry.has_manifest("library/python", "3.11-slim"):
        return registry
    env = {**os.environ, "DEVKIT_REGISTRY_PORT": str(SHARED_PORT)}
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "registry.sh")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0 or not registry.answers():
        raise RegistryUnavailableError(
            f"scripts/registry.sh failed (exit {proc.returncode}): {proc.stderr.strip()[-1000:]}"
        )
    return registry
