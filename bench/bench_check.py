"""How long `devkit check` takes on a recorded run with a cached reference, and fingerprinting.

Builds a workspace in a temp folder (a git repo with ``--files`` tracked source files, a
lockfile, a Parquet dataset), records a run with ``devkit run --here``, seeds the S3 reference
cache as a previous check would have, then times (median of ``--repeat`` runs):

- ``devkit check`` as a user runs it (a new process each time) and in-process (``run_check``);
- the manual alternative it replaces: ``pip freeze`` + ``git status`` (which still leaves the
  comparison with staging to a person);
- fingerprinting on the host: ``devkit parity snapshot --out -`` and in-process ``fingerprint``.

Run: ``python bench/bench_check.py [--repeat 10] [--files 2000]``. Prints medians and ratios;
there are no thresholds here.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROFILE = """\
name: bench
description: benchmark workload
extends: base
image: {lockfile: requirements/bench.lock}
env: {BENCH_MODE: "on"}
data: {dest: data/bench}
"""
REFERENCE = "s3://acme-ml-staging-parity/{profile}.json"


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children: on a busy machine
    this moves far less than wall time, so it is printed beside it."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def median_s(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) over ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), _cpu()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(_cpu() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def line(label: str, value: tuple[float, float]) -> str:
    return f"{label:<48} {value[0] * 1000:7.0f} ms wall {value[1] * 1000:7.0f} ms CPU"


def sh(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def build(root: Path, files: int, env: dict[str, str]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    root.mkdir()
    for i in range(files):
        sub = root / "src" / f"pkg{i % 40}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"mod{i}.py").write_text(f'"""module {i}"""\n' + "x = 1\n" * 60)
    (root / ".devkit" / "profiles").mkdir(parents=True)
    (root / ".devkit" / "profiles" / "bench.yaml").write_text(PROFILE)
    (root / "requirements").mkdir()
    frozen = sh([sys.executable, "-m", "pip", "freeze"], root, env).stdout
    pins = [line for line in frozen.splitlines() if "==" in line][:40]
    (root / "requirements" / "bench.lock").write_text("\n".join(pins) + "\n")
    (root / ".gitignore").write_text("data/\n")
    data = root / "data" / "bench"
    data.mkdir(parents=True)
    pq.write_table(pa.table({"id": list(range(1000)), "v": [0.5] * 1000}), data / "rows.parquet")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        sh(["git", *args], root, env)
    sh(["git", "checkout", "-qb", "feat/bench"], root, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args(argv)
    from devkit.config.profiles import ProfileSet
    from devkit.parity.check import run_check
    from devkit.parity.fingerprint import fingerprint
    from devkit.parity.reference import cache_path
    from devkit.parity.runner import host_env
    from devkit.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = b\n\temail = b@example.invalid\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AWS_"))}
        env |= {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "NO_COLOR": "1"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode is cached
        env.setdefault("DEVKIT_WORKLOAD_PYTHON", sys.executable)
        root = Path(tmp) / "ws"
        build(root, args.files, env)
        devkit = [sys.executable, "-m", "devkit"]
        ref = sh([*devkit, "parity", "snapshot", "--profile", "bench", "--out", "-"], root, env)
        assert ref.returncode == 0, ref.stderr
        run = sh([*devkit, "run", "--here", "--profile", "bench", "--", "true"], root, env)
        assert run.returncode == 0, run.stderr
        # Seed the reference cache as a previous 'devkit check' that fetched from S3 leaves it.
        cached = cache_path(root / ".devkit" / "cache", REFERENCE.format(profile="bench"))
        cached.parent.mkdir(parents=True, exist_ok=True)
        cached.write_text(ref.stdout)
        check = [*devkit, "check", "--profile", "bench", "--format", "json"]
        first = sh(check, root, env)
        report = json.loads(first.stdout)
        assert report["reference"]["cached_age_s"] is not None, "reference not served from cache"
        statuses = {r["id"]: r["status"] for r in report["rules"]}

        os.environ.update({k: v for k, v in env.items() if k.startswith(("HOME", "GIT_"))})
        ws = Workspace(root)
        profile = ProfileSet(root).get("bench")
        t_check_cli = median_s(lambda: sh(check, root, env), args.repeat)
        t_check_lib = median_s(lambda: run_check(ws, profile), args.repeat)
        t_manual = median_s(
            lambda: (
                sh([sys.executable, "-m", "pip", "freeze"], root, env),
                sh(["git", "status", "--porcelain"], root, env),
            ),
            args.repeat,
        )
        t_help = median_s(lambda: sh([*devkit, "--help"], root, env), args.repeat)
        snap = [*devkit, "parity", "snapshot", "--profile", "bench", "--out", "-"]
        t_snap_cli = median_s(lambda: sh(snap, root, env), args.repeat)
        henv = host_env(profile, env)
        t_fp_lib = median_s(
            lambda: fingerprint(root, profile, env=henv, cache_dir=root / ".devkit" / "cache"),
            args.repeat,
        )

    print(f"workspace: {args.files} tracked files, {args.repeat} repeats, medians")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"rules: {statuses}")
    print(line("devkit check (new process, cached reference)", t_check_cli))
    print(line("  run_check in-process (the check itself)", t_check_lib))
    print(line("  devkit --help (interpreter + CLI start)", t_help))
    print(line("pip freeze + git status (manual alternative)", t_manual))
    ratio_wall = t_check_cli[0] / t_manual[0]
    ratio_cpu = t_check_cli[1] / t_manual[1]
    print(f"  ratio devkit check / manual: {ratio_wall:.2f} wall, {ratio_cpu:.2f} CPU")
    print(line("devkit parity snapshot --out - (host)", t_snap_cli))
    print(line("  fingerprint in-process (probe + workspace)", t_fp_lib))
    met = "met" if t_check_cli[0] <= 1.0 else "missed"
    print(f"target devkit check <= 1 s (wall, new process): {met} ({t_check_cli[0]:.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
