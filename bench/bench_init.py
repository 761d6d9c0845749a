"""`devkit init` vs the reference `devcontainer up`, cold and warm, same workspace and engine.

    python bench/bench_init.py [--base-image devkit-base:bookworm] [--cold 1] [--warm 5]

With ``--cold 0`` each tool runs once untimed to reach the warm state, then ``--warm`` times.

cold: no image and no container for the workspace (each tool's images are removed first, and
the reference CLI runs with ``--buildkit never`` so neither tool profits from a BuildKit cache
the other lacks); the layer cache on the engine stays, as it would on a developer's machine.
warm: the container is running and nothing changed. Prints each run, the medians and the ratios.
Needs a Docker Engine, git, and the CLI at .tools/node_modules/.bin/devcontainer
(``npm install --prefix .tools @devcontainers/cli``). Builds use the host's network.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / ".tools" / "node_modules" / ".bin" / "devcontainer"
PROFILE = """name: bench
description: benchmark workload
extends: base
post_create: ["python -c 'import sys; print(sys.version)'"]
"""
LABELS = "org.devkit.test=1,org.devkit.bench=1"


def sh(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    return took


def make_workspace(root: Path, env: dict[str, str]) -> Path:
    ws = root / "ml-monorepo"
    (ws / ".devkit" / "profiles").mkdir(parents=True)
    (ws / ".devkit" / "profiles" / "bench.yaml").write_text(PROFILE)
    (ws / "README.md").write_text("# bench\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
        sh(["git", *args], ws, env)
    return ws


def remove_all(ws: Path) -> None:
    """Containers for the workspace, and every image either tool built for it."""
    import docker

    client = docker.from_env()
    for c in client.containers.list(all=True, filters={"label": f"devcontainer.local_folder={ws}"}):
        c.remove(force=True)
    for image in client.images.list(filters={"label": "org.devkit.bench=1"}):
        client.images.remove(image.id, force=True)
    for image in client.images.list():
        if any(t.startswith(f"vsc-{ws.name}-") for t in image.tags):
            client.images.remove(image.id, force=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-image", default="devkit-base:bookworm")
    parser.add_argument("--cold", type=int, default=1)
    parser.add_argument("--warm", type=int, default=5)
    args = parser.parse_args(argv)
    if not CLI.is_file():
        sys.exit("install the reference CLI first: npm install --prefix .tools @devcontainers/cli")
    with tempfile.TemporaryDirectory(prefix="devkit-bench-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        (home / ".gitconfig").write_text("[user]\n\tname = bench\n\temail = b@example.invalid\n")
        env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "DEVKIT_EXTRA_LABELS": LABELS,
            "DEVKIT_CACHE_DIR": os.environ.get("DEVKIT_CACHE_DIR")
            or str(Path.home() / ".cache" / "devkit"),
            "NO_COLOR": "1",
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode is cached
        ws = make_workspace(root, env)
        devkit = [
            sys.executable,
            "-m",
            "devkit",
            "init",
            "--profile",
            "bench",
            "--branch",
            "feat/bench",
            "--base-image",
            args.base_image,
            "--data",
            "none",
            "--network",
            "host",
            "--vendor",  # devkit is on no index here: the image installs the committed wheel
        ]
        up = [
            str(CLI),
            "up",
            "--workspace-folder",
            str(ws),
            # the same machine-local layer devkit applies (stand-in base image, host network)
            "--override-config",
            str(ws / ".devkit" / "devcontainer.local.json"),
            "--buildkit",
            "never",
            "--id-label",
            f"devcontainer.local_folder={ws}",
            "--id-label",
            "org.devkit.bench=1",
        ]
        times: dict[str, list[float]] = {
            k: [] for k in ("devkit cold", "devkit warm", "devcontainer cold", "devcontainer warm")
        }
        try:
            for _ in range(args.cold):
                remove_all(ws)
                times["devkit cold"].append(sh(devkit, ws, env))
            if not args.cold and args.warm:
                sh(devkit, ws, env)  # reach the warm state (not timed)
            for _ in range(args.warm):
                times["devkit warm"].append(sh(devkit, ws, env))
            for _ in range(args.cold):
                remove_all(ws)
                times["devcontainer cold"].append(sh(up, ws, env))
            if not args.cold and args.warm:
                sh(up, ws, env)  # reach the warm state (not timed)
            for _ in range(args.warm):
                times["devcontainer warm"].append(sh(up, ws, env))
        finally:
            remove_all(ws)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    for name, values in times.items():
        if not values:
            continue
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{name:18} median {med[name]:7.2f} s   runs: {runs}")
    for kind in ("cold", "warm"):
        if f"devkit {kind}" in med and f"devcontainer {kind}" in med:
            ratio = med[f"devkit {kind}"] / med[f"devcontainer {kind}"]
            print(f"{kind}: devkit / devcontainer = {ratio:.2f}")
    if "devkit warm" in med and "devcontainer warm" in med:
        met = "met" if med["devkit warm"] <= med["devcontainer warm"] else "missed"
        print(f"target warm devkit init <= warm devcontainer up: {met}")
    print(json.dumps({k: round(v, 3) for k, v in med.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
