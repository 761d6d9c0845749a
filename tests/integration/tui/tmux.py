"""Driving a real terminal program in a private tmux server (its own socket, its own session)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path


class Tmux:
    def __init__(self, name: str, width: int = 100, height: int = 32) -> None:
        self.socket = f"devkit-{name}-{os.getpid()}"
        self.width, self.height = width, height

    def _tmux(self, *args: str) -> subprocess.CompletedProcess[str]:
        tmux = shutil.which("tmux") or "tmux"
        return subprocess.run(
            [tmux, "-L", self.socket, *args], capture_output=True, text=True, check=False
        )

    def start(self, command: str, cwd: Path, env: Mapping[str, str]) -> None:
        """Run ``command`` (a shell line) in a new detached session sized width x height, with
        exactly ``env`` as its environment (an inherited COLUMNS or LINES would fix the size)."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        line = f"cd {shlex.quote(str(cwd))} && exec env -i {exports} sh -c {shlex.quote(command)}"
        size = ["-x", str(self.width), "-y", str(self.height)]
        proc = self._tmux("new-session", "-d", "-s", "main", *size, line)
        if proc.returncode != 0:
            raise RuntimeError(f"tmux new-session failed: {proc.stderr}")
        self._tmux("set-option", "-t", "main", "remain-on-exit", "on")

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "main").stdout

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "main", *keys)

    def wait_for(self, text: str, timeout: float = 20.0, poll: float = 0.02) -> float:
        """Seconds until ``text`` is on the screen; AssertionError with the screen on timeout."""
        start = time.monotonic()
        while True:
            if text in self.screen():
                return time.monotonic() - start
            if time.monotonic() - start > timeout:
                raise AssertionError(f"'{text}' not on screen after {timeout}s:\n{self.screen()}")
            time.sleep(poll)

    def kill(self) -> None:
        self._tmux("kill-server")
