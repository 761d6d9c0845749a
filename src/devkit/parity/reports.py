"""Render a parity report as text, JSON or JUnit XML.

JSON shape (format ``devkit.parity-report``, version 1)::

    {"format": "devkit.parity-report", "format_version": 1,
     "profile": NAME, "ok": BOOL, "exit_code": 0 | 1,
     "summary": {"pass": N, "fail": N, "warn": N, "skipped": N},
     "reference": {"source": FILE|s3://…, "created": ISO, "where": STR, "cached_age_s": S|null},
     "run": {"id", "path", "command": [...], "where", "exit_code", "started", "duration_s"} | null,
     "seconds": S,
     "rules": [{"id", "severity": "error"|"warn"|"off",
                "status": "pass"|"fail"|"warn"|"skipped",
                "message", "expected", "actual", "hint", "details": [STR, ...]}, ...]}

``status`` is after severity: a failing rule of severity ``warn`` reports ``warn``; only
``fail`` makes ``ok`` false and the exit code 1. A skipped rule's ``message`` says why.

JUnit: one ``<testsuite name="devkit.parity.PROFILE">`` with one ``<testcase>`` per rule
(classname ``devkit.parity``); ``fail`` → ``<failure>``, ``skipped`` → ``<skipped>``,
``warn`` → a passing case with the warning in ``<system-out>``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from devkit.parity.rules.base import RuleResult

if TYPE_CHECKING:
    from devkit.parity.evaluate import Report

MARKS = {"pass": "✓", "fail": "✗", "warn": "!", "skipped": "-"}
COLORS = {"pass": "32", "fail": "31", "warn": "33", "skipped": "2"}


def render(report: Report, kind: str, color: bool = False) -> str:
    if kind == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
    if kind == "junit":
        return render_junit(report)
    return render_text(report, color)


def _paint(text: str, status: str, color: bool) -> str:
    return f"\033[{COLORS[status]}m{text}\033[0m" if color else text


def render_text(report: Report, color: bool = False) -> str:
    ref = report.reference
    lines = [f"devkit check — profile {report.profile}, reference {ref.get('source')}"]
    if ref.get("cached_age_s") is not None:
        lines[0] += f" (cached {ref['cached_age_s']:.0f} s ago)"
    if report.run:
        run = report.run
        lines.append(
            f"last run {run['started']} ({run.get('where')}): {' '.join(run['command'])} "
            f"→ exit {run['exit_code']} in {run['duration_s']:.1f} s"
        )
    width = max((len(r.id) for r in report.results), default=8)
    for result in report.results:
        lines.extend(_text_rule(result, width, color))
    counts = report.counts
    lines.append(
        f"{counts['pass']} passed, {counts['fail']} failed, {counts['warn']} warning(s), "
        f"{counts['skipped']} skipped in {report.seconds:.2f} s"
        + ("" if report.ok else " — fix the failures above before you push")
    )
    return "\n".join(lines) + "\n"


def _text_rule(result: RuleResult, width: int, color: bool) -> list[str]:
    mark = _paint(f"{MARKS[result.status]} {result.status.upper():7}", result.status, color)
    lines = [f"  {mark} {result.id:{width}}  {result.message}"]
    pad = " " * (width + 14)
    if result.status in ("fail", "warn"):
        if result.expected or result.actual:
            lines.append(f"{pad}expected: {result.expected}")
            lines.append(f"{pad}actual:   {result.actual}")
        lines.extend(f"{pad}· {d}" for d in result.details[:20])
        if len(result.details) > 20:
            lines.append(f"{pad}· … {len(result.details) - 20} more (see --format json)")
        if result.hint:
            lines.append(f"{pad}hint: {result.hint}")
    elif result.status == "pass":
        lines.extend(f"{pad}· {d}" for d in result.details[:3])  # information, e.g. env_keys
    return lines


def render_junit(report: Report) -> str:
    counts = report.counts
    suites = ET.Element("testsuites", name="devkit check")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"devkit.parity.{report.profile}",
        tests=str(len(report.results)),
        failures=str(counts["fail"]),
        errors="0",
        skipped=str(counts["skipped"]),
        time=f"{report.seconds:.3f}",
    )
    for result in report.results:
        case = ET.SubElement(suite, "testcase", classname="devkit.parity", name=result.id)
        body = "\n".join(
            [f"expected: {result.expected}", f"actual: {result.actual}"]
            + [f"- {d}" for d in result.details]
            + ([f"hint: {result.hint}"] if result.hint else [])
        )
        if result.status == "fail":
            failure = ET.SubElement(
                case, "failure", message=result.message, type=f"parity.{result.id}"
            )
            failure.text = body
        elif result.status == "skipped":
            ET.SubElement(case, "skipped", message=result.message)
        elif result.status == "warn":
            ET.SubElement(case, "system-out").text = f"warning: {result.message}\n{body}"
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
