"""devkit run --here / parity snapshot / check on a real workspace: pass, then each rule
made to fail on its own, named with expected vs actual."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pyarrow as pa

Workspace = Any  # the conftest's Workspace; helpers come through the fixture


def add_dependency(ws: Workspace) -> None:
    ws.commit_file("requirements/demo.lock", ws.lock + "new-dep==0.1\n", "add a dependency")


def failing(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["rules"] if r["status"] == "fail"}


JSON_KEYS = {
    "format", "format_version", "profile", "ok", "exit_code", "summary", "reference", "run",
    "seconds", "rules",
}  # fmt: skip
RULE_KEYS = {"id", "severity", "status", "message", "expected", "actual", "hint", "details"}


def test_same_environment_passes_with_documented_json_shape(workspace: Workspace) -> None:
    code, report = workspace.check()
    assert code == 0, report
    assert set(report) == JSON_KEYS
    assert report["format"] == "devkit.parity-report" and report["format_version"] == 1
    assert report["ok"] is True and report["exit_code"] == 0 and report["profile"] == "demo"
    assert [r["id"] for r in report["rules"]] == [
        "python", "base_image", "lockfile", "env_keys", "data_schema", "data_version",
        "branch", "prod_refs", "last_run",
    ]  # fmt: skip
    for rule in report["rules"]:
        assert set(rule) == RULE_KEYS
        assert rule["status"] in ("pass", "skipped"), rule
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    # A host run has no base image digest and neither has a reference taken on the host.
    assert statuses["base_image"] == "skipped"
    assert report["summary"] == {"pass": 8, "fail": 0, "warn": 0, "skipped": 1}
    assert report["run"]["exit_code"] == 0 and report["run"]["where"] == "host"


def test_changed_lockfile_fails_lockfile_only(workspace: Workspace) -> None:
    workspace.commit_file(
        "requirements/demo.lock", workspace.lock + "new-dep==0.1\n", "add a dependency"
    )
    assert workspace.run().returncode == 0
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"lockfile"}
    rule = failing(report)["lockfile"]
    assert rule["expected"].startswith("sha256:") and rule["actual"].startswith("sha256:")
    assert rule["expected"] != rule["actual"]
    assert "new-dep==0.1 is pinned locally, not by staging" in rule["details"]


def test_uninstalled_pin_fails_lockfile(workspace: Workspace, tmp_path: Path) -> None:
    # Same lockfile as staging, but the run's interpreter lacks a pinned distribution.
    other = tmp_path / "bare-venv"
    import venv

    venv.EnvBuilder(with_pip=False, symlinks=True).create(other)
    python = str(other / "bin" / "python")
    assert workspace.run(python, "train.py", env={"DEVKIT_WORKLOAD_PYTHON": python}).returncode == 0
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"lockfile"}
    assert "demo-pin: pinned 1.0.0, installed nothing" in failing(report)["lockfile"]["details"]


def test_unset_staging_env_key_fails_env_keys_only(workspace: Workspace) -> None:
    assert workspace.run(drop=("FEATURE_FLAGS",)).returncode == 0
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"env_keys"}
    rule = failing(report)["env_keys"]
    assert "FEATURE_FLAGS" in rule["actual"]
    assert rule["details"] == [
        "FEATURE_FLAGS is not set locally; staging sets it, read at train.py:3"
    ]


def test_secret_value_in_managed_file_fails_env_keys(workspace: Workspace) -> None:
    secret = "s3cr3t-value-0123456789"
    (workspace.root / ".devkit" / "notes.txt").write_text(f"token={secret}\n")
    code, report = workspace.check(env={"DEMO_TOKEN": secret})
    assert code == 1
    assert set(failing(report)) == {"env_keys"}
    rule = failing(report)["env_keys"]
    assert "the value of DEMO_TOKEN is in .devkit/notes.txt" in rule["details"]
    assert secret not in json.dumps(report)


def test_changed_column_type_fails_data_schema(workspace: Workspace) -> None:
    workspace.write_documents(pa.string())
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"data_schema"}
    rule = failing(report)["data_schema"]
    assert rule["expected"] == "documents.label: int"
    assert rule["actual"] == "documents.label: string"
    # The data changed, so its version did too: severity warn in the base profile.
    statuses = {r["id"]: r["status"] for r in report["rules"]}
    assert statuses["data_version"] == "warn"


def test_prod_bucket_in_tracked_file_fails_prod_refs_with_file_line(workspace: Workspace) -> None:
    workspace.commit_file(
        "etl/config.py", "# settings\nSOURCE = 's3://acme-ml-prod-events/raw/'\n", "wire source"
    )
    assert workspace.run().returncode == 0
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"prod_refs"}
    rule = failing(report)["prod_refs"]
    assert rule["actual"] == "etl/config.py:2: acme-ml-prod-events"
    assert rule["details"] == ["etl/config.py:2: acme-ml-prod-events"]


def test_prod_account_in_env_value_fails_prod_refs(workspace: Workspace) -> None:
    code, report = workspace.check(env={"TARGET_ROLE": "arn:aws:iam::333333333333:role/x"})
    assert code == 1
    assert set(failing(report)) == {"prod_refs"}
    assert failing(report)["prod_refs"]["details"] == ["env TARGET_ROLE: 333333333333"]


def test_behind_base_branch_fails_branch_only(workspace: Workspace) -> None:
    workspace.git("checkout", "-q", "main")
    workspace.commit_file("NEWS.md", "news\n", "main moves on")
    workspace.git("checkout", "-q", "feat/demo")
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"branch"}
    rule = failing(report)["branch"]
    assert "1 behind main" in rule["actual"]
    assert "1 commits behind main (at most 0)" in rule["details"]


def test_failed_run_fails_last_run_only(workspace: Workspace) -> None:
    python = workspace.env["DEVKIT_WORKLOAD_PYTHON"]
    run = workspace.run(python, "-c", "import sys; print('boom'); sys.exit(3)")
    assert run.returncode == 3  # devkit run exits with the command's status
    assert "boom" in run.stdout
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"last_run"}
    assert failing(report)["last_run"]["actual"] == "exit 3"
    assert report["run"]["exit_code"] == 3


def test_run_older_than_last_commit_fails_last_run(workspace: Workspace) -> None:
    time.sleep(1.1)  # commit times have one-second resolution
    workspace.commit_file("train.py", "print('training v2')\n", "change training")
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"last_run"}
    assert "older than the last commit" in failing(report)["last_run"]["message"]


def test_other_python_in_reference_fails_python(workspace: Workspace) -> None:
    ref = workspace.root / "ref" / "demo.json"
    data = json.loads(ref.read_text())
    data["python"]["version"] = "3.10.14"
    ref.write_text(json.dumps(data))
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"python"}
    assert failing(report)["python"]["expected"] == "3.10"
    assert failing(report)["python"]["actual"] == "3.11"


def test_reference_digest_fails_host_run_on_base_image(workspace: Workspace) -> None:
    ref = workspace.root / "ref" / "demo.json"
    data = json.loads(ref.read_text())
    data["base_image"] = {"ref": "devkit-base:bookworm", "digest": "sha256:" + "a" * 64}
    ref.write_text(json.dumps(data))
    code, report = workspace.check()
    assert code == 1
    assert set(failing(report)) == {"base_image"}
    assert failing(report)["base_image"]["actual"] == "none"


def test_junit_has_one_failure_per_failing_rule(workspace: Workspace) -> None:
    workspace.commit_file(
        "requirements/demo.lock", workspace.lock + "new-dep==0.1\n", "add a dependency"
    )
    python = workspace.env["DEVKIT_WORKLOAD_PYTHON"]
    assert workspace.run(python, "-c", "raise SystemExit(2)").returncode == 2
    out = workspace.root / "reports" / "parity.xml"
    proc = workspace.devkit("check", "--profile", "demo", "--format", "junit", "--output", str(out))
    assert proc.returncode == 1, proc.stderr
    assert "FAIL" in proc.stdout  # the text report still goes to the console
    root = ET.parse(out).getroot()
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "devkit.parity.demo"
    cases = suite.findall("testcase")
    assert len(cases) == 9 and suite.get("tests") == "9" and suite.get("failures") == "2"
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {"lockfile", "last_run"}
    skipped = {c.get("name") for c in cases if c.find("skipped") is not None}
    assert skipped == {"base_image"}


def test_rule_filter_and_text_format(workspace: Workspace) -> None:
    workspace.commit_file(
        "requirements/demo.lock", workspace.lock + "new-dep==0.1\n", "add a dependency"
    )
    proc = workspace.devkit("check", "--profile", "demo", "--rule", "python", "--rule", "branch")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "python" in proc.stdout and "branch" in proc.stdout and "lockfile" not in proc.stdout
    assert "2 passed, 0 failed" in proc.stdout
