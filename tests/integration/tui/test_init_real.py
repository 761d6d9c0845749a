"""The init app over the real init plan: every screen, then a real image and a running container.

Uses the same small test profile and image settings as the container tests (so the image is
shared and built at most once per session), the local base image and the host's network.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from pilot_helpers import settled, wait_for
from textual.widgets import Static

from devkit.init.request import InitRequest
from devkit.tui.app import make_init_app
from devkit.tui.screens import (
    BranchScreen,
    DataScreen,
    DoneScreen,
    PreflightScreen,
    ProfileScreen,
    ReviewScreen,
    RunScreen,
)
from devkit.tui.services import WorkspaceServices
from support.engine import TEST_LABELS
from support.gitrepo import make_repo

# The wheelhouse cache outlives the isolated HOME (it is only a download cache).
CACHE_DIR = os.environ.get("DEVKIT_CACHE_DIR") or str(Path.home() / ".cache" / "devkit")
PROFILE = "svc"
PROFILE_YAML = (
    f"name: {PROFILE}\ndescription: test workload\nextends: base\nsecrets: [SVC_TOKEN]\n"
    "post_create: ['echo hook-ran > .devkit/hook-ran']\nports: []\n"
)


@pytest.mark.slow
async def test_every_screen_to_a_running_container(
    home: Path,
    git_env: dict[str, str],
    docker_engine: Any,
    base_image: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = make_repo(
        home / "ml-monorepo",
        files={"README.md": "# x\n", f".devkit/profiles/{PROFILE}.yaml": PROFILE_YAML},
        env=git_env,
    ).path
    monkeypatch.setenv("DEVKIT_EXTRA_LABELS", ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()))
    monkeypatch.setenv("DEVKIT_CACHE_DIR", CACHE_DIR)
    monkeypatch.setenv("SVC_TOKEN", "not-a-real-secret")
    choices = InitRequest(profile=PROFILE, data="none", base_image=base_image, network="host")
    app = make_init_app(WorkspaceServices(root), choices, frozen=True)
    async with app.run_test(size=(110, 36)) as pilot:
        preflight = app.screen
        await wait_for(pilot, lambda: isinstance(preflight, PreflightScreen) and preflight.finished)
        assert preflight.blocking == [], "preflight found a blocking problem on this machine"
        assert preflight.query_one("#checks").rows["docker"].status == "ok"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfileScreen) and app.profiles)
        await pilot.press("enter")  # the pre-filled choice is highlighted
        await wait_for(pilot, lambda: isinstance(app.screen, BranchScreen))
        await pilot.press(*"feat/tui-e2e")
        await wait_for(pilot, lambda: app.screen.checked == "feat/tui-e2e")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen) and app.screen.status)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen) and app.screen.items)
        review = str(app.screen.query_one("#review-plan", Static).render())
        assert "feat/tui-e2e" in review and ".devcontainer/devcontainer.json" in review
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        await wait_for(
            pilot, lambda: isinstance(app.screen, DoneScreen) or run.state == "failed", 900
        )
        assert isinstance(app.screen, DoneScreen), str(run.query_one("#run-state").render())
        await pilot.press("enter")
    assert app.return_value == 0
    assert (root / ".devkit" / "profile").read_text().strip() == PROFILE
    assert (root / ".devkit" / "hook-ran").read_text().strip() == "hook-ran"
    (box,) = docker_engine.containers.list(
        all=True, filters={"label": f"devcontainer.local_folder={root}"}
    )
    try:
        assert box.status == "running"
        head = (root / ".git" / "HEAD").read_text().strip()
        assert head == "ref: refs/heads/feat/tui-e2e"
    finally:
        box.remove(force=True)


@pytest.mark.slow
async def test_escape_during_a_real_image_build_then_resume(
    home: Path,
    git_env: dict[str, str],
    docker_engine: Any,
    base_image: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A lockfile of this test's own makes the image hash new, so the image is really built.
    lock = f"# {uuid.uuid4().hex}\n"
    profile = PROFILE_YAML + "image: {lockfile: requirements/dev.lock}\n"
    root = make_repo(
        home / "ml-monorepo",
        files={"README.md": "# x\n", f".devkit/profiles/{PROFILE}.yaml": profile,
               "requirements/dev.lock": lock},
        env=git_env,
    ).path  # fmt: skip
    monkeypatch.setenv("DEVKIT_EXTRA_LABELS", ",".join(f"{k}={v}" for k, v in TEST_LABELS.items()))
    monkeypatch.setenv("DEVKIT_CACHE_DIR", CACHE_DIR)
    monkeypatch.setenv("SVC_TOKEN", "not-a-real-secret")
    choices = InitRequest(
        profile=PROFILE, branch="feat/cancel", data="none", base_image=base_image, network="host"
    )
    app = make_init_app(WorkspaceServices(root), choices, frozen=True)
    app.profiles = {p.name: p for p in app.services.profiles()}
    async with app.run_test(size=(110, 36)) as pilot:
        preflight = app.screen
        await wait_for(pilot, lambda: isinstance(preflight, PreflightScreen) and preflight.finished)
        app.plan = app.services.build_plan(choices)
        app.push_screen(RunScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, RunScreen))
        run = app.screen
        await wait_for(pilot, lambda: run.query("#steps"))
        rows = run.query_one("#steps").rows
        await wait_for(pilot, lambda: "image" in rows and rows["image"].status == "running", 120)
        pressed = time.monotonic()
        await pilot.press("escape")
        await wait_for(pilot, lambda: run.state in ("cancelled", "failed", "ok"), 900)
        stopped_after = time.monotonic() - pressed
        assert run.state == "cancelled", str(run.query_one("#run-state").render())
        # the build itself was stopped (not left to run on), the rows agree, nothing after it ran
        assert stopped_after < 15, f"the build ran on for {stopped_after:.0f}s after Esc"
        assert rows["image"].status == "cancelled", rows["image"].summary
        assert rows["container"].status == "pending"
        image_step = next(step for step in app.plan.steps if step.id == "image")
        tag = image_step.target.tag_for(image_step.target.content_hash())
        assert docker_engine.images.list(name=tag) == []  # no half-built image under the tag
        found = docker_engine.containers.list(
            all=True, filters={"label": f"devcontainer.local_folder={root}"}
        )
        assert found == []
        await pilot.press("r")  # resume: finished steps are skipped
        await wait_for(
            pilot, lambda: isinstance(app.screen, DoneScreen) or run.state == "failed", 900
        )
        assert isinstance(app.screen, DoneScreen), str(run.query_one("#run-state").render())
        await settled(pilot, app)
    (box,) = docker_engine.containers.list(
        all=True, filters={"label": f"devcontainer.local_folder={root}"}
    )
    try:
        assert box.status == "running"
    finally:
        box.remove(force=True)
