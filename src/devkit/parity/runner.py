"""``devkit run``: fingerprint the environment, run the command with its output streaming
through, and record the run. The command's exit status is returned unchanged."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit.core.errors import ConfigError
from devkit.core.records import dataclass
from devkit.parity.fingerprint import fingerprint
from devkit.parity.records import new_record, write_record
from devkit.state import WorkspaceState
from devkit.terminal import err

if TYPE_CHECKING:
    from devkit.config.model import Profile
    from devkit.workspace import Workspace

NOT_FOUND = 127


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    record_path: Path
    record: dict[str, Any]


def host_env(profile: Profile, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a host run gets: the shell's, plus the profile's dev values for names
    the shell does not set (the container gets the same values at creation)."""
    env = dict(os.environ if base is None else base)
    for name, value in profile.env.items():
        env.setdefault(name, value)
    return env


def run_on_host(
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: Path | None = None,
    on_line: Callable[[str], None] | None = None,
) -> int:
    """Run with stdin/stdout/stderr inherited, so output streams (and TTYs stay TTYs); with
    ``on_line``, output (stdout and stderr merged) goes to it line by line instead."""
    try:
        proc = subprocess.Popen(
            list(command),
            env=dict(env),
            cwd=cwd,
            stdout=subprocess.PIPE if on_line else None,
            stderr=subprocess.STDOUT if on_line else None,
        )
    except FileNotFoundError:
        err(f"devkit run: command not found: {command[0]}")
        return NOT_FOUND
    except PermissionError:
        err(f"devkit run: permission denied: {command[0]}")
        return 126
    try:
        if on_line is not None and proc.stdout is not None:
            for raw in proc.stdout:
                on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
        code = proc.wait()
    except KeyboardInterrupt:
        # The child got the same SIGINT from the terminal; give it time to finish cleanly.
        try:
            code = proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            code = proc.wait()
    return shell_status(code)


def shell_status(code: int) -> int:
    """Popen's -N for 'killed by signal N' as a shell reports it: 128 + N."""
    return 128 - code if code < 0 else code


def redact_command(
    command: Sequence[str], secrets: Sequence[str], env: Mapping[str, str]
) -> list[str]:
    """The command as recorded: any profile secret's value in an argument becomes <NAME>."""
    values = [(name, env[name]) for name in secrets if len(env.get(name, "")) >= 4]
    recorded = []
    for arg in command:
        for name, value in values:
            arg = arg.replace(value, f"<{name}>")
        recorded.append(arg)
    return recorded


def record_run(
    ws: Workspace,
    profile: Profile,
    command: Sequence[str],
    *,
    where: str,
    execute: Callable[[], int],
    probe: Callable[[], dict[str, Any]] | None = None,
    env: Mapping[str, str] | None = None,
) -> RunOutcome:
    """Fingerprint, execute, record; the record is written whatever the exit status."""
    if not command:
        raise ConfigError("no command to run", "write it after '--': devkit run -- python train.py")
    ws.ensure_state()
    fp, fp_seconds = fingerprint(
        ws.root, profile, probe=probe, env=env, where=where, cache_dir=ws.state / "cache"
    )
    started = time.time()
    clock = time.perf_counter()
    exit_code = execute()
    duration = time.perf_counter() - clock
    shown = redact_command(command, profile.secrets, os.environ if env is None else env)
    record = new_record(profile.name, shown, where, exit_code, started, duration, fp, fp_seconds)
    path = write_record(WorkspaceState(ws).runs_dir, record)
    return RunOutcome(exit_code, path, record)
