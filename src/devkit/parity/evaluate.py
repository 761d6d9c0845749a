"""Evaluate the profile's parity rules and decide the outcome (severity, exit code)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from devkit.core.errors import ConfigError, ExitCode
from devkit.core.records import dataclass
from devkit.parity import formats
from devkit.parity.rules import RULES
from devkit.parity.rules.base import CheckInputs, RuleResult

if TYPE_CHECKING:
    from devkit.config.model import ParityRule


def selected_rules(configured: Sequence[ParityRule], only: Sequence[str] | None) -> list[str]:
    unknown = [r for r in only or () if r not in RULES]
    if unknown:
        raise ConfigError(f"unknown rule '{unknown[0]}'", "pick from: " + ", ".join(RULES))
    return [r for r in RULES if not only or r in only]


def needs_run(rule_ids: Sequence[str], severities: dict[str, str]) -> bool:
    return any(RULES[r].NEEDS_RUN and severities.get(r, "off") != "off" for r in rule_ids)


def evaluate_rules(
    inputs: CheckInputs, configured: Sequence[ParityRule], rule_ids: Sequence[str]
) -> list[RuleResult]:
    severities = {r.id: r.severity for r in configured}
    inputs.options = {r.id: dict(r.options) for r in configured}
    results = []
    for rule_id in rule_ids:
        severity = severities.get(rule_id)
        if severity is None or severity == "off":
            why = "off in the profile" if severity == "off" else "not enabled in the profile"
            result = RuleResult(rule_id, "skipped", why, severity="off")
        else:
            result = RULES[rule_id].evaluate(inputs)
            result.severity = severity
            if result.status == "fail" and severity == "warn":
                result.status = "warn"
        results.append(result)
    return results


@dataclass
class Report:
    profile: str
    reference: dict[str, Any]
    run: dict[str, Any] | None
    results: list[RuleResult]
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        counts = {"pass": 0, "fail": 0, "warn": 0, "skipped": 0}
        for result in self.results:
            counts[result.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return not any(r.status == "fail" for r in self.results)

    @property
    def exit_code(self) -> int:
        return int(ExitCode.OK if self.ok else ExitCode.VIOLATIONS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": formats.REPORT,
            "format_version": formats.REPORT_VERSION,
            "profile": self.profile,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "summary": self.counts,
            "reference": self.reference,
            "run": self.run,
            "seconds": round(self.seconds, 3),
            "rules": [r.to_dict() for r in self.results],
        }
