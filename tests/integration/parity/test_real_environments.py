"""Parity between environments that really differ: a reference taken with a platform's own
variables, a variable the code reads, data changed after the run. Real git, real venvs, devkit
as a subprocess."""

from __future__ import annotations

import json
from typing import Any

Workspace = Any

# Variables an ECS task, an OpenTelemetry collector, Datadog and a CI runner set; the demo
# workload reads none of them.
PLATFORM = {
    "ECS_CONTAINER_METADATA_URI": "http://169.254.170.2/v3/x",
    "ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/x",
    "ECS_AGENT_URI": "http://169.254.170.2/api/x",
    "AWS_EXECUTION_ENV": "AWS_ECS_FARGATE",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_REGION": "eu-west-1",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x",
    "OTEL_SERVICE_NAME": "training",
    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4317",
    "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=staging",
    "OTEL_TRACES_SAMPLER": "parentbased_always_on",
    "DD_ENV": "staging",
    "DD_SERVICE": "training",
    "DD_VERSION": "abc123",
    "DD_AGENT_HOST": "169.254.1.1",
    "DD_TRACE_ENABLED": "true",
    "KUBERNETES_SERVICE_HOST": "10.0.0.1",
    "POD_NAME": "training-7d9f",
    "NODE_NAME": "ip-10-0-0-1",
    "HOSTNAME": "training-7d9f",
    "LOG_SHIPPER_TOKEN_FILE": "/var/run/token",
    "SENTRY_RELEASE": "abc123",
}


def snapshot(ws: Workspace, name: str, env: dict[str, str]) -> str:
    out = f"ref/{name}.json"
    proc = ws.devkit("parity", "snapshot", "--profile", "demo", "--out", out, env=env)
    assert proc.returncode == 0, proc.stderr
    return out


def rules(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["rules"]}


def test_twenty_platform_variables_the_workload_never_reads_pass(workspace: Workspace) -> None:
    assert len(PLATFORM) >= 20
    ref = snapshot(workspace, "platform", PLATFORM)
    recorded = json.loads((workspace.root / ref).read_text())
    assert set(PLATFORM) <= set(recorded["env_set"])  # recorded: names only
    assert not any(v in json.dumps(recorded) for v in ("AWS_ECS_FARGATE", "otel:4317"))
    code, report = workspace.check("--reference", ref)
    assert code == 0, report
    env_keys = rules(report)["env_keys"]
    assert env_keys["status"] == "pass"
    info = " ".join(env_keys["details"])  # listed as information
    assert "never read by the workload" in info and "DD_AGENT_HOST" in info


def test_variable_the_code_reads_and_staging_sets_is_missing_with_file_line(
    workspace: Workspace,
) -> None:
    workspace.commit_file(
        "svc/settings.py",
        "import os\n\nPAYMENTS_URL = os.environ['PAYMENTS_URL']\n",
        "read the payments endpoint",
    )
    ref = snapshot(workspace, "payments", {**PLATFORM, "PAYMENTS_URL": "https://pay.invalid"})
    assert workspace.run().returncode == 0  # locally, PAYMENTS_URL is not set
    code, report = workspace.check("--reference", ref)
    assert code == 1
    failing = {r["id"]: r for r in report["rules"] if r["status"] == "fail"}
    assert set(failing) == {"env_keys"}
    assert failing["env_keys"]["actual"] == "missing: PAYMENTS_URL"
    assert "PAYMENTS_URL (read at svc/settings.py:3)" in failing["env_keys"]["message"]
    assert failing["env_keys"]["details"][0] == (
        "PAYMENTS_URL is not set locally; staging sets it, read at svc/settings.py:3"
    )
    # Set locally, the same reference passes.
    assert workspace.run(env={"PAYMENTS_URL": "http://localhost:9"}).returncode == 0
    code, report = workspace.check("--reference", ref)
    assert code == 0, report


def test_regenerated_with_another_seed_after_the_run_warns(workspace: Workspace) -> None:
    sync = workspace.devkit("sync-data", "--profile", "demo", "--synthetic", "--seed", "1")
    assert sync.returncode == 0, sync.stdout + sync.stderr
    ref = snapshot(workspace, "seed1", {})
    assert workspace.run().returncode == 0
    code, report = workspace.check("--reference", ref)
    assert code == 0 and rules(report)["data_version"]["status"] == "pass", report

    sync = workspace.devkit("sync-data", "--profile", "demo", "--synthetic", "--seed", "2")
    assert sync.returncode == 0, sync.stdout + sync.stderr
    code, report = workspace.check("--reference", ref)
    rule = rules(report)["data_version"]
    assert rule["status"] == "warn", rule
    assert "changed after run" in rule["message"]
    assert "synthetic seed 1 → 2" in rule["details"]
    assert rules(report)["data_schema"]["status"] == "pass"  # same schema, other data
    assert code == 0  # a warning does not block


def test_run_on_other_data_than_staging_names_fails_data_version(workspace: Workspace) -> None:
    rule_error = workspace.root / ".devkit" / "profiles" / "demo.yaml"
    rule_error.write_text(
        rule_error.read_text().replace("rules:\n", "rules:\n    data_version: error\n")
    )
    sync = workspace.devkit("sync-data", "--profile", "demo", "--synthetic", "--seed", "1")
    assert sync.returncode == 0, sync.stdout + sync.stderr
    ref = snapshot(workspace, "seed1", {})
    sync = workspace.devkit("sync-data", "--profile", "demo", "--synthetic", "--seed", "3")
    assert sync.returncode == 0
    assert workspace.run().returncode == 0  # the run reads seed 3's data
    sync = workspace.devkit("sync-data", "--profile", "demo", "--synthetic", "--seed", "1")
    assert sync.returncode == 0  # now the disk holds staging's version again: too late
    code, report = workspace.check("--reference", ref)
    assert code == 1
    rule = rules(report)["data_version"]
    assert rule["status"] == "fail" and "synthetic seed 1 → 3" in rule["details"], rule
