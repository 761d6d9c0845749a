from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from devkit.parity.diff import diff_fingerprints
from devkit.parity.evaluate import Report
from devkit.parity.reports import render
from devkit.parity.rules.base import RuleResult

RESULTS = [
    RuleResult("python", "pass", "Python 3.11", "3.11", "3.11"),
    RuleResult("lockfile", "fail", "differs", "sha256:a", "sha256:b", "rebase", ["x: 1 → 2"]),
    RuleResult("branch", "warn", "behind", "≤ 0", "3 behind", "rebase", severity="warn"),
    RuleResult("data_version", "skipped", "no version in the reference"),
    RuleResult("last_run", "fail", "exit 3", "exit 0", "exit 3", "run again"),
]
REPORT = Report("demo", {"source": "ref.json", "cached_age_s": None}, None, RESULTS, 0.05)


def test_junit_has_one_case_per_rule_and_one_failure_per_failing_rule() -> None:
    root = ET.fromstring(render(REPORT, "junit"))
    suite = root.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("5", "2", "1")
    failures = {c.get("name"): c.find("failure") for c in suite.iter("testcase")}
    failed = {name for name, f in failures.items() if f is not None}
    assert failed == {"lockfile", "last_run"}
    lock = failures["lockfile"]
    assert lock is not None and lock.text is not None
    assert "expected: sha256:a" in lock.text and "actual: sha256:b" in lock.text
    assert "hint: rebase" in lock.text


def test_json_report_shape() -> None:
    data = json.loads(render(REPORT, "json"))
    assert data["format"] == "devkit.parity-report" and data["exit_code"] == 1
    assert data["summary"] == {"pass": 1, "fail": 2, "warn": 1, "skipped": 1}
    assert data["rules"][1]["details"] == ["x: 1 → 2"]


def test_text_report_names_expected_actual_and_hint() -> None:
    text = render(REPORT, "text")
    assert "✗ FAIL    lockfile" in text
    assert "expected: sha256:a" in text and "actual:   sha256:b" in text and "hint: rebase" in text
    assert "1 passed, 2 failed, 1 warning(s), 1 skipped" in text


def test_diff_lists_each_changed_field() -> None:
    a = {"python": {"version": "3.11.7"}, "distributions": {"x": "1"}, "env_names": ["A"]}
    b = {"python": {"version": "3.12.1"}, "distributions": {"x": "2", "y": "1"}, "env_names": []}
    shown = [str(d) for d in diff_fingerprints(a, b)]
    assert shown == [
        "python.version: 3.11.7 → 3.12.1",
        "distributions.x: 1 → 2",
        "distributions.y: — → 1",
        "env_names.A: set → —",
    ]
    assert diff_fingerprints(a, a) == []
