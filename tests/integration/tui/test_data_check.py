"""The Data screen's credential check against a real, IAM-enforcing S3 server (moto)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pilot_helpers import wait_for
from textual.widgets import Static
from tui_steps import StepServices

from devkit.init.request import InitRequest
from devkit.tui.app import make_init_app
from devkit.tui.screens import DataScreen, PreflightScreen
from devkit.tui.services import WorkspaceServices
from support.gitrepo import make_repo


def sample_workspace(root: Path, git_env: dict[str, str], server: Any, role: bool) -> Path:
    """A workspace whose 'sample' profile reads samples/ from the test server's bucket."""
    role_line = f'    role_arn: "{server.role_arn}"\n' if role else ""
    files = {
        "README.md": "# x\n",
        ".devkit/environments.yaml": (
            "environments:\n"
            f"  dev: {{accounts: ['{server.account_id}'], buckets: ['acme-ml-dev-*']}}\n"
            "  staging: {accounts: [], buckets: ['acme-ml-staging-*']}\n"
            "  prod: {accounts: [], buckets: ['acme-ml-prod-*']}\n"
        ),
        ".devkit/profiles/sample.yaml": (
            "name: sample\nextends: base\ndescription: samples from the test server\n"
            f"data:\n  source:\n    bucket: {server.bucket}\n    prefix: samples/\n"
            f"    region: {server.region}\n{role_line}"
            "  dest: data/samples\n  sample: {include: ['*.jsonl']}\n"
            "  synthetic:\n    seed: 1\n    tables:\n      t:\n        rows: 5\n"
            "        columns: {id: {type: uuid}}\n"
        ),
    }
    return make_repo(root, files=files, env=git_env).path


async def test_data_screen_shows_the_verified_read_only_role(
    home: Path, git_env: dict[str, str], s3_server: Any, aws_env: Callable[[Any], None]
) -> None:
    root = sample_workspace(home / "ml-monorepo", git_env, s3_server, role=True)
    aws_env(s3_server.dev)
    choices = InitRequest(profile="sample", branch="feat/x")
    app = make_init_app(StepServices(root, []), choices, frozen=True)
    async with app.run_test(size=(110, 36)) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PreflightScreen) and app.screen.finished
        )
        app.profiles = {p.name: p for p in app.services.profiles()}
        app.push_screen(DataScreen())
        await wait_for(pilot, lambda: isinstance(app.screen, DataScreen) and app.screen.status)
        text = str(app.screen.query_one("#data-status", Static).render())
    assert f"account {s3_server.account_id} (dev)" in text
    assert f"role {s3_server.role_arn}" in text
    assert "read-only verified: conditional PutObject denied" in text
    assert "2 of 2 objects, 81 B from s3://acme-ml-dev-samples/samples/" in text
    assert "✓ ready" in text


def test_write_capable_credentials_are_refused(
    home: Path, git_env: dict[str, str], s3_server: Any, aws_env: Callable[[Any], None]
) -> None:
    root = sample_workspace(home / "ml-monorepo", git_env, s3_server, role=False)
    aws_env(s3_server.writer)
    services = WorkspaceServices(root)
    (profile,) = [p for p in services.profiles() if p.name == "sample"]
    status = services.data_status("sample", profile)
    assert status.choice == "sample" and not status.ok
    assert "can write to s3://acme-ml-dev-samples" in status.problem
    assert status.credentials == []
