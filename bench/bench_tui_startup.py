"""Time from launch to the first screen drawn, in a real terminal (a private tmux server).

Measures `devkit init` (the Preflight screen) and `devkit` (the dashboard) against what a user
would otherwise start: a bare Textual app that draws one line, `devkit --help`, and a bare
Python interpreter. Each run starts a fresh process in a fresh tmux session and polls the screen
every few milliseconds, so every figure includes tmux's own start (the Python baseline shows it).
Run: python bench/bench_tui_startup.py [--runs N]
Prints medians in milliseconds and ratios; it asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
_SESSIONS = itertools.count()
BARE_TEXTUAL = (
    "from textual.app import App\nfrom textual.widgets import Static\n"
    "class A(App):\n    def compose(self):\n        yield Static('bare-textual-ready')\n"
    "A().run()\n"
)


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a live process has used so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_paint(
    command: str, marker: str, cwd: Path, env: dict[str, str]
) -> tuple[float, float | None]:
    """Seconds from starting ``command`` in a new tmux session until ``marker`` is on screen,
    and the CPU seconds the program had used by then (for programs still running then)."""
    tmux = shutil.which("tmux") or "tmux"
    sock = f"devkit-bench-{os.getpid()}-{next(_SESSIONS)}"  # a fresh server each run
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    line = f"cd {shlex.quote(str(cwd))} && exec env -i {exports} sh -c {shlex.quote(command)}"
    start = time.perf_counter()
    subprocess.run([tmux, "-L", sock, "new-session", "-d", "-x", "100", "-y", "32", line],
                   check=True)  # fmt: skip
    try:
        while True:
            screen = subprocess.run(
                [tmux, "-L", sock, "capture-pane", "-p"], capture_output=True, text=True
            ).stdout
            if marker in screen:
                wall = time.perf_counter() - start
                pid = subprocess.run(
                    [tmux, "-L", sock, "display", "-p", "#{pane_pid}"],
                    capture_output=True, text=True,
                ).stdout.strip()  # fmt: skip
                return wall, cpu_seconds(int(pid)) if pid.isdigit() else None
            if time.perf_counter() - start > 30:
                raise RuntimeError(f"{marker!r} never appeared:\n{screen}")
            time.sleep(0.003)
    finally:
        subprocess.run([tmux, "-L", sock, "kill-server"], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        (Path(tmp) / "bare.py").write_text(BARE_TEXTUAL)
        env = {"PATH": os.environ["PATH"], "HOME": tmp, "TERM": "xterm-256color"}
        env["AWS_EC2_METADATA_DISABLED"] = "1"
        cases = {
            "python -c print": (f"{sys.executable} -c \"print('py-ready')\"; sleep 5", "py-ready"),
            "devkit --help": (f"{BIN}/devkit --help; sleep 5", "Run 'devkit COMMAND --help'"),
            "bare Textual app": (f"exec {sys.executable} {tmp}/bare.py", "bare-textual-ready"),
            "devkit init (Preflight)": (f"exec {BIN}/devkit init", "Checking this machine"),
            "devkit (dashboard)": (f"exec {BIN}/devkit", "— dashboard"),
        }
        medians: dict[str, float] = {}
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for name, (command, marker) in cases.items():
            first_paint(command, marker, repo, env)  # warm the page cache
            runs = [first_paint(command, marker, repo, env) for _ in range(args.runs)]
            times = [wall for wall, _cpu in runs]
            cpus = [cpu for _wall, cpu in runs if cpu is not None and command.startswith("exec")]
            medians[name] = statistics.median(times) * 1000
            spread = f"min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}"
            cpu = f", CPU median {statistics.median(cpus) * 1000:.0f} ms" if cpus else ""
            print(f"{name:<26} median {medians[name]:6.0f} ms  ({spread}, n={args.runs}{cpu})")
    bare = medians["bare Textual app"]
    for name in ("devkit init (Preflight)", "devkit (dashboard)"):
        print(f"{name} / bare Textual app: {medians[name] / bare:.2f}x")
    ratio = medians["devkit --help"] / medians["python -c print"]
    print(f"devkit --help / python -c print: {ratio:.2f}x")


if __name__ == "__main__":
    main()
