"""The shipped .pre-commit-hooks.yaml, checked by the real pre-commit framework.

Like test_hooks.py, this puts a tiny fake ``devkit`` on PATH: it tests that pre-commit finds,
runs and obeys the ``devkit-check`` hook, not ``devkit check`` itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[3]
MANIFEST = PROJECT / ".pre-commit-hooks.yaml"


def pre_commit() -> list[str]:
    if shutil.which("pre-commit") is None and not _importable("pre_commit"):
        pytest.fail("pre-commit is not installed: install the dev extras (pip install -e '.[dev]')")
    return [sys.executable, "-m", "pre_commit"]


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_manifest_declares_the_hook_as_agreed() -> None:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert [h["id"] for h in hooks] == ["devkit-check"]
    hook = hooks[0]
    assert hook["entry"] == "devkit check"
    assert hook["language"] == "system"
    assert hook["stages"] == ["pre-push"]
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is True


def test_pre_commit_accepts_the_manifest() -> None:
    result = subprocess.run(
        [*pre_commit(), "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("code", "passes"), [(0, True), (1, False)])
def test_pre_commit_runs_devkit_check_at_pre_push(
    tmp_path: Path,
    repo: Path,
    git: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    code: int,
    passes: bool,
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "devkit"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexit {code}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    result = subprocess.run(
        [*pre_commit(), "try-repo", str(PROJECT), "devkit-check", "--hook-stage", "pre-push"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert (result.returncode == 0) is passes, output
    assert calls.read_text().splitlines() == ["check"]
