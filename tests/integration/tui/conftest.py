"""Fixtures for the TUI tests: a real git workspace under an isolated HOME, and pilot helpers."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from support.gitrepo import make_repo

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def home(git_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The isolated HOME of the shared ``git_env`` (so '~/…' displays are the test's own)."""
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "CI"):
        monkeypatch.delenv(name, raising=False)
    return Path(git_env["HOME"])


@pytest.fixture
def workspace(home: Path, git_env: dict[str, str]) -> Path:
    """A real git repository with one commit on main, at ~/ml-monorepo."""
    return make_repo(home / "ml-monorepo", env=git_env).path


def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests in this folder on a fresh event loop (no asyncio plugin needed)."""
    import asyncio
    import inspect

    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    kwargs = {name: pyfuncitem.funcargs[name] for name in names}
    asyncio.run(pyfuncitem.obj(**kwargs))
    return True
