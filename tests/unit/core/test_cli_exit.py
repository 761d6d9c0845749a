"""How the devkit command ends (``devkit.cli.leave``): its output whole and its exit code kept;
the interpreter's finalisation skipped only when nothing is left for it to do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FINALISED = (
    "class Noisy:\n"
    "    def __del__(self):\n"
    "        print('finalised', flush=True)\n"
    "noisy = Noisy()\n"
)


# Buffered streams, as a terminal or pipe gives them: what leave flushes is really buffered.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def ended(body: str, code: int = 0, *options: str) -> subprocess.CompletedProcess[str]:
    script = f"import sys\nfrom devkit.cli import leave\n{body}\nleave({code})\n"
    return subprocess.run(
        [sys.executable, *options, "-c", script],
        capture_output=True, text=True, timeout=60, check=False, env=ENV,
    )  # fmt: skip


def test_output_is_whole_and_the_code_kept() -> None:
    done = ended("sys.stdout.write('out')\nsys.stderr.write('hint: y')", code=3)
    assert done.returncode == 3
    assert done.stdout == "out" and done.stderr == "hint: y"


def test_a_stream_started_closed_keeps_the_code() -> None:
    done = ended("sys.stdout = None", code=3)
    assert done.returncode == 3 and done.stderr == ""


def test_a_daemon_thread_does_not_hold_it_up() -> None:
    sleeper = "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()"
    done = ended(FINALISED + "import threading, time\n" + sleeper)
    assert done.returncode == 0 and "finalised" not in done.stdout


def test_a_profiler_still_reports(tmp_path: Path) -> None:
    script = tmp_path / "ends.py"
    script.write_text("from devkit.cli import leave\nleave(3)\n")
    done = subprocess.run(
        [sys.executable, "-m", "cProfile", str(script)],
        capture_output=True, text=True, timeout=60, env=ENV,
    )  # fmt: skip
    assert "function calls" in done.stdout


def test_with_nothing_left_to_do_finalisation_is_skipped() -> None:
    done = ended(FINALISED)
    assert done.returncode == 0 and "finalised" not in done.stdout


@pytest.mark.parametrize(
    "needs",
    [
        "import atexit\natexit.register(print, 'atexit ran')",
        "import threading, time\n"
        "threading.Thread(target=lambda: (time.sleep(0.2), print('thread done'))).start()",
        "import logging\nlogging.getLogger('x')",  # logging flushes its handlers at exit
    ],
    ids=["atexit callback", "thread that is not a daemon", "logging imported"],
)
def test_the_usual_exit_when_anything_may_need_it(needs: str) -> None:
    done = ended(FINALISED + needs, code=4)
    assert done.returncode == 4 and "finalised" in done.stdout
    for said in ("atexit ran", "thread done"):
        assert (said in needs) == (said in done.stdout)


def test_the_installed_command_ends_through_it() -> None:
    """--help (argparse's SystemExit) and a usage error keep their codes and whole output."""
    launcher = Path(__file__).resolve().parents[3] / "bin" / "devkit"
    for args, code in ((["--help"], 0), (["--no-such-flag"], 2), (["--version"], 0)):
        done = subprocess.run(
            [sys.executable, str(launcher), *args], capture_output=True, text=True, timeout=60,
            env=ENV,
        )  # fmt: skip
        assert done.returncode == code, (args, done.stderr)
    through = subprocess.run(
        [sys.executable, "-c", FINALISED + "from devkit.cli import run\nimport sys\n"
         "sys.argv = ['devkit', '--version']\nrun()"],
        capture_output=True, text=True, timeout=60, env=ENV,
    )  # fmt: skip
    assert through.stdout.startswith("devkit ") and "finalised" not in through.stdout
    helped = subprocess.run(
        [sys.executable, str(launcher), "--help"], capture_output=True, text=True, timeout=60,
        env=ENV,
    )  # fmt: skip
    usual = subprocess.run(
        [sys.executable, "-c", "from devkit.cli import main\nmain(['--help'])"],
        capture_output=True, text=True, timeout=60, env=ENV,
    )  # fmt: skip
    assert "sync-data" in helped.stdout and helped.stdout == usual.stdout


def test_the_collector_runs_less_often_and_still_collects_cycles() -> None:
    script = (
        "import gc, weakref\n"
        "import devkit.cli as cli\n"
        "class Node: pass\n"
        "def main():\n"
        "    node = Node(); node.me = node; ref = weakref.ref(node); del node\n"
        "    print(gc.get_threshold()[0], ref() is None)\n"
        "    made = [[] for _ in range(cli.GC_YOUNG + 1000)]\n"  # enough new objects for a pass
        "    print(ref() is None, len(made))\n"
        "    return 0\n"
        "cli.main = main\n"
        "cli.run()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=ENV
    )
    from devkit.cli import GC_YOUNG

    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == [f"{GC_YOUNG} False", f"True {GC_YOUNG + 1000}"]
