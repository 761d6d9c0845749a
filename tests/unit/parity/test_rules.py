"""Rules and severities on plain dictionaries (no git, no files): pure logic."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from devkit.config.model import BranchPolicy, DataSpec, ImageSpec, ParityRule, Profile
from devkit.core.errors import ConfigError
from devkit.parity.evaluate import Report, evaluate_rules, needs_run, selected_rules
from devkit.parity.records import RunRecord
from devkit.parity.rules.base import CheckInputs

PROFILE = Profile(
    name="demo",
    description="d",
    image=ImageSpec(base="img", python="3.11", lockfile="req.lock"),
    source_files=(),
    branch=BranchPolicy(pattern=r"^feat/", base="main"),
    data=DataSpec(dest="data/demo"),
)
SCHEMA = {"t": {"columns": [{"name": "a", "type": "int", "nullable": False}]}}
FP: dict[str, Any] = {
    "python": {"version": "3.11.7"},
    "base_image": {"ref": "img", "digest": "sha256:1"},
    "distributions": {"numpy": "2.4.6"},
    "env_names": ["A", "B"],
    "lockfile": {"sha256": "sha256:x", "pins": {"numpy": "2.4.6"}},
    "data": {"present": True, "schema": SCHEMA, "manifest_digest": "sha256:d"},
}
GIT = {"branch": "feat/x", "base_ref": "main", "behind": 0, "dirty": False, "commit_time": 0}
RULES = tuple(ParityRule(r, "error") for r in ("python", "base_image", "lockfile", "env_keys"))


def inputs(**changes: Any) -> CheckInputs:
    run_fp = copy.deepcopy(FP)
    run_fp.update(changes.pop("run_fp", {}))
    run = RunRecord(
        Path("r.json"),
        {"id": "1", "command": ["x"], "exit_code": changes.pop("exit_code", 0),
         "started": "t", "started_epoch": 10.0, "duration_s": 1.0, "fingerprint": run_fp},
    )  # fmt: skip
    inp = CheckInputs(
        profile=PROFILE,
        reference=copy.deepcopy(FP) | changes.pop("reference", {}),
        run=run,
        root=Path("/nonexistent"),
        envs_loader=lambda: None,
        environ={},
    )
    # Workspace facts, set directly instead of read from disk.
    inp.__dict__["lockfile"] = changes.pop("lockfile", FP["lockfile"])
    inp.__dict__["data"] = changes.pop("data", FP["data"])
    inp.__dict__["git"] = GIT | changes.pop("git", {})
    inp.__dict__["env_use"] = changes.pop("env_use", {"declared": [], "reads": {}})
    assert not changes
    return inp


def by_id(inp: CheckInputs, *rules: str, severity: str = "error") -> dict[str, Any]:
    configured = [ParityRule(r, severity, {"max_behind": 2}) for r in rules]
    return {r.id: r for r in evaluate_rules(inp, configured, list(rules))}


def test_everything_equal_passes() -> None:
    ids = [
        "python",
        "base_image",
        "lockfile",
        "env_keys",
        "data_schema",
        "data_version",
        "branch",
        "last_run",
    ]
    results = by_id(inputs(), *ids)
    assert {k: r.status for k, r in results.items()} == dict.fromkeys(ids, "pass")


def test_python_minor_difference_fails_patch_does_not() -> None:
    assert (
        by_id(inputs(run_fp={"python": {"version": "3.11.2"}}), "python")["python"].status == "pass"
    )
    result = by_id(inputs(run_fp={"python": {"version": "3.12.0"}}), "python")["python"]
    assert (result.status, result.expected, result.actual) == ("fail", "3.11", "3.12")


def test_extra_distribution_is_a_warning_and_a_missing_pin_a_failure() -> None:
    extra = inputs(run_fp={"distributions": {"numpy": "2.4.6", "rich": "13.0", "pip": "24"}})
    result = by_id(extra, "lockfile")["lockfile"]
    assert result.status == "warn" and result.details == ["rich==13.0"]
    missing = by_id(inputs(run_fp={"distributions": {"numpy": "2.4.5"}}), "lockfile")["lockfile"]
    assert missing.status == "fail"
    assert missing.details == ["numpy: pinned 2.4.6, installed 2.4.5"]


def test_nullability_change_fails_data_schema() -> None:
    changed = {"t": {"columns": [{"name": "a", "type": "int", "nullable": True}]}}
    result = by_id(inputs(data={**FP["data"], "schema": changed}), "data_schema")["data_schema"]
    assert (result.expected, result.actual) == ("t.a: not null", "t.a: nullable")


def test_branch_problems_are_listed_together() -> None:
    inp = inputs(git={"branch": "wip", "behind": 3, "dirty": True})
    result = by_id(inp, "branch")["branch"]
    assert result.status == "fail"
    assert result.details == [
        "branch 'wip' does not match ^feat/",
        "3 commits behind main (at most 2)",
        "uncommitted changes to tracked files",
    ]


def test_warn_severity_downgrades_a_failure_and_off_skips() -> None:
    inp = inputs(exit_code=1)
    assert by_id(inp, "last_run", severity="warn")["last_run"].status == "warn"
    off = by_id(inp, "last_run", severity="off")["last_run"]
    assert (off.status, off.message) == ("skipped", "off in the profile")
    report = Report("demo", {}, None, list(by_id(inp, "last_run", severity="warn").values()))
    assert report.ok and report.exit_code == 0
    report = Report("demo", {}, None, list(by_id(inp, "last_run").values()))
    assert not report.ok and report.exit_code == 1


def test_missing_reference_sections_skip_rather_than_pass() -> None:
    result = by_id(inputs(reference={"base_image": {"ref": None, "digest": None}}), "base_image")
    assert result["base_image"].status == "skipped"


def test_rule_selection() -> None:
    assert selected_rules(RULES, ["branch"]) == ["branch"]
    with pytest.raises(ConfigError, match="unknown rule 'nope'"):
        selected_rules(RULES, ["nope"])
    assert needs_run(["branch", "prod_refs"], {"branch": "error"}) is False
    assert needs_run(["python"], {"python": "error"}) is True
    assert needs_run(["python"], {"python": "off"}) is False


def test_env_keys_ignores_names_only_staging_sets_and_names_a_read_it_lacks() -> None:
    platform = [f"DD_X{i}" for i in range(25)] + ["ECS_CONTAINER_METADATA_URI_V4"]
    ref = {"env_set": ["A", "USED", *platform]}
    use = {"declared": ["A"], "reads": {"USED": ["svc/app.py:7"]}}
    ok = by_id(inputs(reference=ref, run_fp={"env_set": ["A", "USED"]}, env_use=use), "env_keys")
    assert ok["env_keys"].status == "pass"
    assert "26 name(s) only staging sets" in ok["env_keys"].details[0]
    bad = by_id(inputs(reference=ref, run_fp={"env_set": ["A"]}, env_use=use), "env_keys")
    assert bad["env_keys"].status == "fail"
    assert bad["env_keys"].details[0] == (
        "USED is not set locally; staging sets it, read at svc/app.py:7"
    )


def test_env_keys_declared_settings_case_and_credentials() -> None:
    use = {
        "declared": ["TOKEN"],
        "reads": {"APP_DB_URL": ["s.py:3"], "AWS_ACCESS_KEY_ID": ["s.py:9"]},
        "case_insensitive": ["APP_DB_URL"],
    }
    ref = {"env_set": ["TOKEN", "app_db_url", "AWS_ACCESS_KEY_ID"]}
    result = by_id(
        inputs(reference=ref, run_fp={"env_set": ["APP_DB_URL"]}, env_use=use), "env_keys"
    )
    rule = result["env_keys"]
    assert rule.status == "fail"  # TOKEN is declared, staging sets it, the run lacks it
    assert rule.actual == "missing: TOKEN"  # any-case settings match; credentials never compared
    assert "declared in the profile" in rule.details[0]


def _identity(kind: str, version: str, seed: int | None = None, **files: str) -> dict[str, Any]:
    return {"present": True, "schema": SCHEMA, "manifest_digest": version,
            "identity": {"kind": kind, "seed": seed, "schema_hash": "sha256:s",
                         "version": version, "files": files}}  # fmt: skip


def test_data_version_compares_the_run_with_the_reference_and_warns_on_later_changes() -> None:
    staging = _identity("synthetic", "synthetic seed 42", 42)
    same = by_id(
        inputs(reference={"data": staging}, run_fp={"data": staging}, data=staging), "data_version"
    )
    assert same["data_version"].status == "pass"
    later = _identity("synthetic", "synthetic seed 7", 7)
    changed = by_id(
        inputs(reference={"data": staging}, run_fp={"data": staging}, data=later), "data_version"
    )["data_version"]
    assert changed.status == "warn"  # even at severity error: the run itself was right
    assert changed.details == ["synthetic seed 42 → 7"]
    other_run = by_id(
        inputs(reference={"data": staging}, run_fp={"data": later}, data=staging), "data_version"
    )["data_version"]
    assert other_run.status == "fail" and "synthetic seed 42 → 7" in other_run.details


def test_data_version_names_a_resynced_file() -> None:
    a = _identity("sample", "sha256:a", **{"x.parquet": "sha256:1", "y.parquet": "sha256:2"})
    b = _identity("sample", "sha256:b", **{"x.parquet": "sha256:9", "z.parquet": "sha256:3"})
    rule = by_id(inputs(reference={"data": a}, run_fp={"data": a}, data=b), "data_version")
    assert rule["data_version"].details == [
        "x.parquet changed (sha256:1 → sha256:9)", "y.parquet removed", "z.parquet added",
    ]  # fmt: skip
