"""Where the time of `devkit sync-data --synthetic` goes: start-up, imports, each column type,
Parquet encoding, SHA-256, the file writes, the manifest.

Two measurements of the same command on a scratch workspace (``documents`` raised to --rows):

1. ``python -X importtime -m devkit sync-data --synthetic ...`` in a new process: the import
   time of the top-level modules, grouped (numpy + pyarrow, devkit's own, the rest);
2. the command in-process under cProfile, on one thread (the second thread's work would be
   invisible to the profiler), imports already done: the generation per column type and the
   writing, from the profile's cumulative times. cProfile adds overhead to every Python call,
   so read the shares rather than the absolute figures.

Run:  python bench/profile_synthetic.py [--rows 1000000] [--top 15]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_synthetic import OVERRIDE  # the same 1-table override the bench runs

# (label, file suffix, function name): cumulative time of that function in the profile.
PHASES = [
    ("plan (profile, null masks, whole columns)", "synthetic/generate.py", "streams"),
    ("generate: uuid", "synthetic/columns.py", "gen_uuid"),
    ("generate: text", "synthetic/columns.py", "gen_text"),
    ("generate: category", "synthetic/columns.py", "gen_category"),
    ("generate: timestamp", "synthetic/columns.py", "gen_timestamp"),
    ("generate: int", "synthetic/columns.py", "gen_int"),
    ("generate: float", "synthetic/columns.py", "gen_float"),
    ("generate: nulls applied", "synthetic/columns.py", "with_nulls"),
    ("generate: all chunks", "synthetic/generate.py", "next"),
    ("Parquet: encode + sink", "synthetic/writers.py", "write_table"),
    ("  sink: SHA-256", "~", "<method 'update' of '_hashlib.HASH' objects>"),
    ("  sink: file write", "~", "<method 'write' of '_io.BufferedWriter' objects>"),
    ("Parquet: footer", "synthetic/writers.py", "close"),
    ("manifest", "data/manifest.py", "compact"),
    ("write_synthetic (all of it)", "synthetic/__init__.py", "write_synthetic"),
    ("the command (all of it)", "devkit/cli.py", "main"),
]


def importtime(cmd: list[str], env: dict[str, str], cwd: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "devkit", *cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    groups = {"numpy + pyarrow": 0.0, "devkit (own modules and their stdlib/yaml)": 0.0}
    groups["site (interpreter start-up)"] = 0.0
    groups["other"] = 0.0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part for part in line[len("import time:") :].split("|"))
        if name.startswith("  ") or not cumulative.strip().isdigit():
            continue  # only top-level imports: their cumulative time includes the nested ones
        name, seconds = name.strip(), int(cumulative) / 1e6
        if name.split(".")[0] in ("numpy", "pyarrow"):
            groups["numpy + pyarrow"] += seconds
        elif name.startswith("devkit"):
            groups["devkit (own modules and their stdlib/yaml)"] += seconds
        elif name == "site":
            groups["site (interpreter start-up)"] += seconds
        else:
            groups["other"] += seconds
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=15, help="also print the top N by own time")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    with tempfile.TemporaryDirectory(prefix="devkit-profile-synthetic-") as tmp:
        ws = Path(tmp)
        (ws / ".devkit" / "profiles").mkdir(parents=True)
        (ws / ".devkit" / "profiles" / "training.yaml").write_text(OVERRIDE.format(rows=args.rows))
        cmd = ["sync-data", "--synthetic", "--profile", "training", "--no-input", "--workspace"]
        cmd.append(str(ws))
        subprocess.run(
            [sys.executable, "-m", "devkit", *cmd], env=env, cwd=ws, check=True, capture_output=True
        )  # fmt: skip  (bytecode caches, page cache)
        subprocess.run(["rm", "-rf", str(ws / "data")], check=True)
        started = time.perf_counter()
        groups = importtime(cmd, env, ws)
        whole = time.perf_counter() - started
        print(f"1. one new process, -X importtime ({args.rows:,} rows, wall {whole:.2f} s):")
        for name, seconds in groups.items():
            print(f"   {name:44} {seconds * 1000:8.0f} ms")

        import numpy  # noqa: F401  (imports, outside the profile)
        import pyarrow.compute
        import pyarrow.parquet  # noqa: F401

        import devkit.data.synthetic as synthetic
        from devkit.cli import main as devkit_main

        synthetic._default_threads = lambda: 1  # one thread: the profiler sees only this one
        subprocess.run(["rm", "-rf", str(ws / "data")], check=True)
        with contextlib.redirect_stdout(io.StringIO()):
            devkit_main([*cmd, "--dry-run"])  # devkit's imports, outside the profile
            profile = cProfile.Profile()
            profile.enable()
            code = devkit_main(cmd)
            profile.disable()
        if code:
            return code
    stats = pstats.Stats(profile, stream=io.StringIO())
    table = stats.stats  # type: ignore[attr-defined]
    print("2. in-process under cProfile, one thread, imports done (cumulative):")
    for label, suffix, func in PHASES:
        total = sum(
            ct
            for (path, _, name), (_, _, _, ct, _) in table.items()
            if name == func and (suffix == "~" or path.endswith(suffix))
        )
        print(f"   {label:44} {total * 1000:8.0f} ms")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print("   top functions by own time:")
    for line in out.getvalue().splitlines():
        if line.strip() and (line.lstrip()[0].isdigit() or line.lstrip().startswith("ncalls")):
            print("   " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
