"""Shell completion, sourced into a real bash and asked to complete like a user's Tab would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DRIVER = r"""
source "$1"
complete_line() {
    COMP_LINE="$1"
    COMP_POINT=${#COMP_LINE}
    read -r -a COMP_WORDS <<<"$COMP_LINE"
    if [[ $COMP_LINE == *" " ]]; then COMP_WORDS+=(""); fi
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _python_argcomplete devkit "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
    printf '%s\n' "${COMPREPLY[@]}"
}
complete_line "$2"
"""


@pytest.fixture
def devkit_on_path(tmp_path: Path) -> dict[str, str]:
    """A ``devkit`` executable on PATH that runs this checkout's devkit."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "devkit"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m devkit "$@"\n')
    shim.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def complete(line: str, env: dict[str, str], tmp_path: Path, cwd: Path | None = None) -> list[str]:
    script = tmp_path / "devkit.bash"
    script.write_text(
        subprocess.run(
            [sys.executable, "-m", "devkit", "completion", "bash"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    result = subprocess.run(
        ["bash", "-c", DRIVER, "driver", str(script), line],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
        check=True,
    )
    return [word.strip() for word in result.stdout.splitlines() if word.strip()]


pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def test_completes_a_command(devkit_on_path: dict[str, str], tmp_path: Path) -> None:
    assert complete("devkit in", devkit_on_path, tmp_path) == ["init"]


def test_completes_a_profile_name_from_the_workspace(
    devkit_on_path: dict[str, str], tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    (repo / ".devkit" / "profiles").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".devkit" / "profiles" / "trainer-gpu.yaml").write_text(
        "extends: training\ndescription: training on a GPU box\n"
    )
    words = complete("devkit init --profile tra", devkit_on_path, tmp_path, cwd=repo)
    assert words == ["trainer-gpu", "training"] or sorted(words) == ["trainer-gpu", "training"]
    assert complete("devkit profiles show inf", devkit_on_path, tmp_path, cwd=repo) == ["inference"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_scripts_for_other_shells(shell: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "devkit", "completion", shell],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "devkit" in result.stdout and "_ARGCOMPLETE" in result.stdout
