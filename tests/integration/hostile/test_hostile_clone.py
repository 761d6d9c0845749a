"""A hostile clone: every command a user runs on it leaves the rest of the machine unchanged.

The fixture is a real git repository that commits a symlink at every path devkit writes — state,
logs, caches, run records, backups, the devcontainer files and their temp name, the dataset
folder's manifest, journal and temp names, report outputs — each pointing at a sentinel folder
outside the workspace; another variant commits whole folders (``.devkit``, ``.devcontainer``,
``data``) as symlinks, and others carry alias bombs, oversized values and a tampered manifest;
``git-config`` has a repository config naming programs git would start by itself (a filesystem
monitor, hooks in a committed folder) that write into the sentinel folder if they ever run.
Each command runs as a subprocess (capped at 2 GiB of memory and a timeout), and afterwards:

* the sentinel tree is byte-for-byte unchanged (contents, mtimes, no new entries);
* the exit code is one of 0-4 (never 70), and no "Traceback" is printed.

The commands: ``COMMANDS`` below (none needs Docker or S3; ``doctor`` and ``status`` only ask the
engine, ``check`` finds no credentials and stops with exit 3).
"""

from __future__ import annotations

import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from support.gitrepo import make_repo

PROFILE = """\
description: a profile committed by a stranger
extends: training
data:
  dest: data/hostile
  synthetic:
    seed: 1
    tables:
      docs:
        rows: 20
        format: csv
        columns:
          id: {type: uuid}
"""

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

# Every fixed name devkit writes in a workspace, as a committed symlink to a sentinel file (or
# folder, for folders devkit writes into).
FILE_LINKS = {
    ".devkit/.gitignore": "victim",
    ".devkit/state.json": "victim",
    ".devkit/profile": "victim",
    ".devkit/cache": "dir",
    ".devkit/runs": "dir",
    ".devkit/logs": "dir",
    ".devkit/backups": "dir",
    ".devkit/fingerprints": "dir",
    ".devkit/parity": "dir",  # devkit check records its last result here
    ".devkit/build": "dir",
    ".devcontainer/devcontainer.json": "secret",
    ".devcontainer/Dockerfile": "victim",
    ".devcontainer/devkit-deps.txt": "secret",
    ".devcontainer/devkit-pin.txt": "secret",
    ".devcontainer/workload.lock": "victim",
    ".devcontainer/vendor": "dir",
    ".devcontainer/.local": "dir",
    ".devkit/devcontainer.local.json": "victim",
    ".devcontainer/.devcontainer.json.devkit-tmp": "victim",
    "data/hostile/.devkit-manifest.json.tmp": "victim",
    "data/hostile/.devkit-manifest.journal": "victim",
    "data/hostile/.devkit-tmp-docs.csv": "victim",
    "data/hostile/docs.csv": "victim",
    "ref.json": "victim",
    "report.xml": "victim",
}
FOLDER_LINKS = {".devcontainer": "dir", "data": "dir", ".devkit/cache": "dir"}

COMMANDS: list[list[str]] = [
    ["doctor"],
    ["profiles", "list"],
    ["profiles", "show", "hostile"],
    ["status", "--profile", "hostile"],
    ["init", "--dry-run", "--profile", "hostile", "--branch", "feat/x", "--data", "synthetic"],
    ["sync-data", "--synthetic", "--profile", "hostile"],
    ["sync-data", "--synthetic", "--delete", "--profile", "hostile"],
    ["data", "schema", "data/hostile"],
    ["data", "schema", "--declared", "--profile", "hostile"],
    ["run", "--here", "--profile", "hostile", "--", "true"],
    ["parity", "snapshot", "--out", "ref.json", "--profile", "hostile"],
    ["check", "--profile", "hostile"],
    ["check", "--profile", "hostile", "--format", "junit", "--output", "report.xml"],
    ["hooks", "install"],
    ["pre-push-hook"],  # the installed hook itself, run as git would run it
]


def snapshot(folder: Path) -> dict[str, tuple[str, bytes, int]]:
    found: dict[str, tuple[str, bytes, int]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        kind = "file" if stat.S_ISREG(info.st_mode) else "other"
        body = path.read_bytes() if kind == "file" else b""
        found[str(path.relative_to(folder))] = (kind, body, info.st_mtime_ns)
    return found


def sentinel_tree(root: Path) -> Path:
    sentinel = root / "sentinel"
    (sentinel / "dir" / "profiles").mkdir(parents=True)
    (sentinel / "victim").write_text("precious\n")
    (sentinel / "secret").write_text('{"SECRET": "do-not-print"}\n')
    (sentinel / "dir" / "keep").write_text("keep\n")
    # Followed, a symlinked .devkit would load this profile from outside the workspace.
    (sentinel / "dir" / "profiles" / "hostile.yaml").write_text(PROFILE)
    return sentinel


def commit_links(repo: Path, env: dict[str, str], links: dict[str, str], sentinel: Path) -> None:
    for rel, target in links.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(sentinel / target)
    subprocess.run(["git", "add", "-f", "--", *links], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "hostile links"], cwd=repo, env=env, check=True)


def tampered_manifest(dest: Path, sentinel: Path) -> None:
    """A committed manifest naming files outside the dataset folder (for --delete)."""
    dest.mkdir(parents=True, exist_ok=True)
    entry = {"size": 9, "sha256": "0" * 64, "key": "x", "mtime_ns": 1}
    files = {
        os.path.relpath(sentinel / "victim", dest): entry,
        os.path.relpath(sentinel / "dir" / "keep", dest): entry,
        "/" + str(sentinel / "victim").lstrip("/"): entry,
    }
    body = {"format": 1, "kind": "s3", "source": {}, "files": files}
    (dest / ".devkit-manifest.json").write_text(json.dumps(body))


def build(variant: str, root: Path, env: dict[str, str]) -> tuple[Path, Path]:
    sentinel = sentinel_tree(root)
    files: dict[str, str | bytes] = {"README.md": "# a clone\n"}
    if variant != "devkit-folder-link":
        files[".devkit/profiles/hostile.yaml"] = PROFILE
    if variant == "alias-bombs":
        files[".devkit/profiles/bomb.yaml"] = "description: x\n" + BOMB
        files[".devkit/environments.yaml"] = BOMB
        files[".devkit/profile"] = "hostile\n"  # so the pre-push hook's check loads profiles
    if variant == "oversized":
        huge = PROFILE.replace("rows: 20", "rows: 1000000000")
        files[".devkit/profiles/hostile.yaml"] = huge.replace(
            "extends: training", "extends: training\nbranch: {pattern: '^(a+)+$'}"
        )
        files[".devkit/profiles/deep.yaml"] = "description: x\nx: " + "[" * 900 + "]" * 900
    repo = make_repo(root / "ws", files, env=env).path
    if variant == "file-links":
        commit_links(repo, env, FILE_LINKS, sentinel)
        tampered_manifest(repo / "data" / "hostile", sentinel)
        subprocess.run(["git", "add", "-f", "data"], cwd=repo, env=env, check=True)
        subprocess.run(["git", "commit", "-qm", "manifest"], cwd=repo, env=env, check=True)
    elif variant == "folder-links":
        commit_links(repo, env, FOLDER_LINKS, sentinel)
    elif variant == "devkit-folder-link":
        commit_links(repo, env, {".devkit": "dir"}, sentinel)
    elif variant == "git-config":
        arm_git_config(repo, env, sentinel)
    return repo, sentinel


GIT_TRAPS = ("post-checkout", "reference-transaction", "post-index-change", "pre-auto-gc")


def arm_git_config(repo: Path, env: dict[str, str], sentinel: Path) -> None:
    """core.fsmonitor and core.hooksPath name a script that leaves a file in the sentinel."""
    spy = repo.parent / "spy.sh"
    spy.write_text(f'#!/bin/sh\necho "$0 $*" >> "{sentinel / "dir" / "git-ran-a-program"}"\n')
    spy.chmod(0o755)
    hooks = repo / ".githooks"
    hooks.mkdir()
    for name in GIT_TRAPS:
        (hooks / name).symlink_to(spy)
    for key, value in (("core.fsmonitor", str(spy)), ("core.hooksPath", ".githooks")):
        subprocess.run(["git", "config", key, value], cwd=repo, env=env, check=True)


def run(repo: Path, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    if args == ["pre-push-hook"]:
        hook = repo / ".git" / "hooks" / "pre-push"
        if not hook.exists():
            return subprocess.CompletedProcess(args, 0, "", "")
        command = [str(hook), "origin", "file:///nowhere"]
        zero = "0" * 40
        stdin = f"refs/heads/main {zero} refs/heads/main {zero}\n"
    else:
        command = [sys.executable, "-m", "devkit", *args]
        stdin = ""
    return subprocess.run(
        command,
        cwd=repo,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=cap,
    )


@pytest.mark.parametrize(
    "variant",
    ["file-links", "folder-links", "devkit-folder-link", "alias-bombs", "oversized", "git-config"],
)
def test_every_command_on_a_hostile_clone_leaves_the_machine_alone(
    tmp_path: Path, git_env: dict[str, str], variant: str
) -> None:
    repo, sentinel = build(variant, tmp_path, git_env)
    env = {
        **git_env,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + git_env.get("PATH", ""),
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "NO_COLOR": "1",
        "CI": "true",
    }
    for name in list(env):
        if name.startswith("AWS_") and name.endswith(("KEY_ID", "SECRET_ACCESS_KEY", "TOKEN")):
            del env[name]
    before = snapshot(sentinel)
    results: list[str] = []
    for args in COMMANDS:
        proc = run(repo, args, env)
        shown = f"devkit {' '.join(args)} -> {proc.returncode}\n{proc.stderr[-2000:]}"
        results.append(shown)
        assert proc.returncode in (0, 1, 2, 3, 4), shown
        assert "Traceback" not in proc.stdout + proc.stderr, shown
        # No content of a file outside the workspace is printed (read through a symlink).
        assert "do-not-print" not in proc.stdout + proc.stderr, shown
        assert "precious" not in proc.stdout + proc.stderr, shown
        assert snapshot(sentinel) == before, shown
    crash_logs = (
        list((tmp_path / "state").rglob("crash-*")) if (tmp_path / "state").exists() else []
    )
    assert crash_logs == [], "\n".join(results)
    if variant == "git-config":  # the trap was armed: git itself runs the monitor
        subprocess.run(["git", "status"], cwd=repo, env=env, check=True, capture_output=True)
        assert (sentinel / "dir" / "git-ran-a-program").exists()
