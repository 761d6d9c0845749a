"""A host-side cache of wheels for devkit's own dependencies, per image Python and architecture.

Why a wheelhouse rather than letting the image pip-install from the index: the first build
downloads once on the host (through the host's own pip configuration, mirrors and proxy), and
every later build — any workspace, any profile with the same Python — installs offline from the
cache. devkit's environment in the image then holds the same versions as on the host.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from devkit.core.errors import NotReadyError
from devkit.core.userdirs import cache_root

ARCHES = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}
COMPLETE = ".complete"


def platform_args(python: str, arch: str) -> list[str]:
    machine = ARCHES.get(arch, arch)
    abi = "cp" + python.replace(".", "")
    args = ["--only-binary=:all:", "--python-version", python, "--implementation", "cp"]
    args += ["--abi", abi, "--abi", "abi3", "--abi", "none"]
    for tag in ("manylinux_2_28", "manylinux2014", "manylinux_2_17", "manylinux1", "linux"):
        args += ["--platform", f"{tag}_{machine}"]
    return args


def folder_for(requirements: list[str], python: str, arch: str) -> Path:
    key = hashlib.sha256("\n".join([python, arch, *requirements]).encode()).hexdigest()[:16]
    return cache_root() / "wheelhouse" / f"py{python}-{ARCHES.get(arch, arch)}-{key}"


def ensure(requirements: list[str], python: str, arch: str, log: Callable[[str], None]) -> Path:
    """The folder holding wheels for ``requirements``; downloads them on first use only."""
    folder = folder_for(requirements, python, arch)
    if (folder / COMPLETE).is_file():
        return folder
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    cmd = [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q"]
    cmd += ["-d", str(partial), *platform_args(python, arch), *requirements]
    log(f"downloading devkit's dependencies for Python {python}/{arch} into {folder}")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise NotReadyError(
            f"could not download devkit's dependencies for the image:\n{tail}",
            "check the host's network or pip configuration (pip download must reach an index), "
            "then run the command again",
        )
    (partial / "requirements.txt").write_text("\n".join(requirements) + "\n", encoding="utf-8")
    (partial / COMPLETE).write_text("ok\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    partial.rename(folder)
    return folder


def link_tree(source: Path, dest: Path) -> None:
    """Hard-link (or copy, across file systems) every file of ``source`` into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if not path.is_file() or path.name == COMPLETE:
            continue
        target = dest / path.name
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)
