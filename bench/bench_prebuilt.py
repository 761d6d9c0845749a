"""A teammate's first `devkit init` on the sample: building the image vs pulling the prebuilt one.

    python bench/bench_prebuilt.py [--runs 1]

Starts a private registry (Debian's ``docker-registry``) on 127.0.0.1, copies the sample
workspace (examples/ml-platform) with ``image.prebuilt`` naming it and a lockfile line unique
to this run, and runs ``devkit image publish`` once (CI's job). Then, ``--runs`` times each,
on a fresh clone owned by UID 1000 (a teammate):
  built   ``devkit init --rebuild``: the image built from the base image with no layer cache
          (the pull is skipped), as on a machine that never built it;
  pulled  ``devkit init`` after the local images of that hash were removed: it pulls.
Everything else (branch, files, container, post-create, synthetic data) is the same in both.
Prints each run, the medians and the ratio. Needs a Docker Engine (base image
python:3.11-slim present or pullable), git and docker-registry. Builds use the host's network.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.registry import start_registry  # noqa: E402

SAMPLE = REPO / "examples" / "ml-platform"
# Its own label: the other benches and test sessions remove images labelled as theirs.
LABELS = "org.devkit.bench-prebuilt=1"
TEAMMATE = 1000


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.monotonic() - started
    if proc.returncode != 0:
        tail = proc.stdout[-4000:]
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{tail}\n{proc.stderr}")
    return took, proc.stdout


def chown(root: Path, uid: int) -> None:
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), uid, uid)
    os.lchown(root, uid, uid)


def remove(client: object, workspace: Path, refs: list[str]) -> None:
    """The clone's container and the images of the published hash (this run's own)."""
    import docker.errors

    label = {"label": f"devcontainer.local_folder={workspace}"}
    for container in client.containers.list(all=True, filters=label):  # type: ignore[attr-defined]
        container.remove(force=True)
    for ref in refs:
        with contextlib.suppress(docker.errors.ImageNotFound):
            client.images.remove(ref)  # type: ignore[attr-defined]


def check(arm: str, events: list[dict[str, object]]) -> None:
    """The pulled run pulled and built nothing; the built run built."""
    pulled = [e for e in events if e.get("step") == "prebuilt" and "summary" in e]
    built = any(
        e.get("step") == "image" and str(e.get("line", "")).startswith("Step ") for e in events
    )
    if arm == "pulled" and (built or not str(pulled[-1]["summary"]).startswith("pulled")):
        sys.exit(f"the pulled run did not pull: {pulled}")
    if arm == "built" and not built:
        sys.exit("the built run built nothing")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    import docker

    client = docker.from_env()
    with tempfile.TemporaryDirectory(prefix="devkit-bench-prebuilt-") as tmp:
        root = Path(tmp)
        home = root / "home"
        home.mkdir()
        (home / ".gitconfig").write_text(
            "[user]\n\tname = bench\n\temail = b@example.invalid\n[safe]\n\tdirectory = *\n"
        )
        env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "DEVKIT_EXTRA_LABELS": LABELS,
            "DEVKIT_VENDOR": "1",  # devkit is on no index here: the image installs its wheel
            "NO_COLOR": "1",
        }
        registry = start_registry(root / "registry")
        repository = f"{registry.host}/ml/training-dev"
        origin = root / "origin"
        shutil.copytree(SAMPLE, origin)
        profile = origin / ".devkit" / "profiles" / "training.yaml"
        profile.write_text(profile.read_text() + f"image:\n  prebuilt: {repository}\n")
        lock = origin / "requirements" / "training.lock"
        lock.write_text(lock.read_text() + f"# bench {uuid.uuid4().hex}\n")
        for git in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "sample"]):
            run(["git", *git], origin, env)
        devkit = [sys.executable, "-m", "devkit"]
        publish = [*devkit, "image", "publish", "--profile", "training", "--network", "host"]
        took, out = run([*publish, "--json"], origin, env)
        print(f"publish (build + push): {took:.1f} s")
        pushed = [json.loads(x) for x in out.splitlines() if '"step": "push"' in x]
        digest = next(e["data"]["hash"] for e in pushed if "data" in e)
        refs = [f"{repository}:{digest}", f"{repository}:latest", f"devkit-training:{digest[:12]}"]
        run(["git", "add", "-A"], origin, env)
        run(["git", "commit", "-qm", "dev environment"], origin, env)
        init = [*devkit, "init", "--profile", "training", "--data", "synthetic", "--yes"]
        init += ["--no-input", "--network", "host", "--json"]
        times: dict[str, list[float]] = {"built": [], "pulled": []}
        try:
            for index in range(args.runs):
                for arm in ("built", "pulled"):
                    clone = root / f"{arm}-{index}"
                    run(["git", "clone", "-q", str(origin), str(clone)], root, env)
                    chown(clone, TEAMMATE)
                    remove(client, clone, refs)
                    extra = ["--rebuild"] if arm == "built" else []
                    branch = ["--branch", f"feat/{arm}-{index}"]
                    took, out = run([*init, *branch, *extra], clone, env)
                    check(arm, [json.loads(x) for x in out.splitlines() if x.strip()])
                    times[arm].append(took)
                    print(f"{arm:6} run {index + 1}: {took:.1f} s", flush=True)
                    remove(client, clone, [])
        finally:
            for path in root.glob("*-*"):
                remove(client, path, [])
            remove(client, root, refs)
            registry.stop()
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, values in times.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"cold init {name:6} median {med[name]:7.1f} s   runs: {runs}")
    print(f"pulled / built = {med['pulled'] / med['built']:.2f}")
    print(json.dumps({k: round(v, 1) for k, v in med.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
