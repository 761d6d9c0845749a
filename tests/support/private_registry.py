"""A private image registry for one test: Debian's ``docker-registry`` (the CNCF distribution
registry) on a free 127.0.0.1 port, its own storage folder, optional htpasswd (bcrypt) auth, and
its log (with the access log: one line per HTTP request) in a file the test can read.

The Docker Engine talks plain HTTP to a loopback registry without any configuration.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

BINARY = "docker-registry"


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT
    log_path: Path
    proc: subprocess.Popen[bytes]
    user: str | None = None
    password: str | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def _get(self, path: str) -> bytes:
        request = urllib.request.Request(f"http://{self.host}{path}")
        if self.user and self.password:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            return bytes(response.read())

    def repositories(self) -> list[str]:
        return list(json.loads(self._get("/v2/_catalog")).get("repositories") or [])

    def tags(self, repo: str) -> list[str]:
        try:
            return list(json.loads(self._get(f"/v2/{repo}/tags/list")).get("tags") or [])
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise

    def docker_config(self, folder: Path) -> Path:
        """A Docker config folder (for DOCKER_CONFIG) holding this registry's credentials."""
        folder.mkdir(parents=True, exist_ok=True)
        auth = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        (folder / "config.json").write_text(json.dumps({"auths": {self.host: {"auth": auth}}}))
        return folder

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def available() -> str | None:
    return shutil.which(BINARY)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _htpasswd(path: Path, user: str, password: str) -> None:
    import bcrypt  # the registry accepts bcrypt entries only

    digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=5)).decode()
    path.write_text(f"{user}:{digest}\n")


def start_registry(folder: Path, auth: bool = False) -> Registry:
    binary = available()
    if binary is None:
        raise RuntimeError(f"{BINARY} is not installed (apt-get install docker-registry)")
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    user = password = None
    auth_block = ""
    if auth:
        user, password = "ci", secrets.token_hex(12)
        _htpasswd(folder / "htpasswd", user, password)
        auth_block = (
            f"auth:\n  htpasswd:\n    realm: devkit-test\n    path: {folder / 'htpasswd'}\n"
        )
    config = folder / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\n"
        f"storage:\n  filesystem:\n    rootdirectory: {folder / 'storage'}\n"
        "  delete:\n    enabled: true\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  secret: {secrets.token_hex(16)}\n" + auth_block
    )
    log_path = folder / "registry.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
    registry = Registry(f"127.0.0.1:{port}", log_path, proc, user, password)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{BINARY} exited: {registry.log()[-2000:]}")
        try:
            registry._get("/v2/")
            return registry
        except urllib.error.HTTPError as exc:
            if exc.code == 401:
                return registry
        except OSError:
            pass
        time.sleep(0.1)
    registry.stop()
    raise RuntimeError(f"{BINARY} did not answer on {registry.host}")


@contextlib.contextmanager
def running_registry(folder: Path, auth: bool = False) -> Iterator[Registry]:
    registry = start_registry(folder, auth)
    try:
        yield registry
    finally:
        registry.stop()
