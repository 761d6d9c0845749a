"""The real pre-push hook ('devkit hooks install') running the real 'devkit check': a push to a
local bare remote goes through when every rule passes and is blocked when one fails."""

from __future__ import annotations

import subprocess
from typing import Any


def _push(workspace: Any, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "push", *extra, "origin", "feat/demo"],
        cwd=workspace.root,
        env=workspace.env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_push_passes_then_is_blocked_by_a_failing_rule(workspace: Any, tmp_path: Any) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True, env=workspace.env)
    workspace.git("remote", "add", "origin", str(remote))
    install = workspace.devkit("hooks", "install", "--profile", "demo", "--yes", "--no-input")
    assert install.returncode == 0, install.stdout + install.stderr

    ok = _push(workspace)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 failed" in ok.stdout + ok.stderr

    workspace.commit_file("etl/sink.py", "SINK = 's3://acme-ml-prod-sink/'\n", "add a sink")
    assert workspace.run().returncode == 0
    blocked = _push(workspace)
    assert blocked.returncode != 0
    output = blocked.stdout + blocked.stderr
    assert "FAIL    prod_refs" in output and "etl/sink.py:1: acme-ml-prod-sink" in output
    assert "push blocked" in output
    remote_head = subprocess.run(
        ["git", "rev-parse", "refs/heads/feat/demo"],
        cwd=remote,
        env=workspace.env,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert remote_head != workspace.git("rev-parse", "HEAD")

    bypass = _push(workspace, "--no-verify")
    assert bypass.returncode == 0, bypass.stderr
