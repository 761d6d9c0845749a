"""data_schema: the local dataset has staging's tables, columns, types and nullability."""

from __future__ import annotations

from typing import Any

from devkit.parity.rules.base import CheckInputs, RuleResult, failed, passed, skipped

ID = "data_schema"
NEEDS_RUN = False
NULL = {True: "nullable", False: "not null"}

Difference = tuple[str, str, str]  # (what, expected, actual)


def _columns(table: Any) -> dict[str, tuple[str, bool]]:
    cols = table.get("columns", []) if isinstance(table, dict) else []
    return {c["name"]: (str(c.get("type")), bool(c.get("nullable", True))) for c in cols}


def _column_differences(table: str, want: Any, have: Any) -> list[Difference]:
    expected, actual = _columns(want), _columns(have)
    found: list[Difference] = []
    for col in sorted(set(expected) | set(actual)):
        name = f"{table}.{col}"
        if col not in actual:
            found.append((f"{name} is missing locally", f"{name}: {expected[col][0]}", "absent"))
        elif col not in expected:
            found.append((f"{name} is not in staging", "absent", f"{name}: {actual[col][0]}"))
        elif expected[col][0] != actual[col][0]:
            found.append(
                (
                    f"{name} has another type",
                    f"{name}: {expected[col][0]}",
                    f"{name}: {actual[col][0]}",
                )
            )
        elif expected[col][1] != actual[col][1]:
            found.append(
                (
                    f"{name} has another nullability",
                    f"{name}: {NULL[expected[col][1]]}",
                    f"{name}: {NULL[actual[col][1]]}",
                )
            )
    return found


def schema_differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[Difference]:
    found: list[Difference] = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            found.append((f"table {table} is missing locally", f"table {table}", "absent"))
        elif table not in expected:
            found.append((f"table {table} is not in staging", "absent", f"table {table}"))
        else:
            found.extend(_column_differences(table, expected[table], actual[table]))
    return found


def evaluate(inp: CheckInputs) -> RuleResult:
    if inp.profile.data is None:
        return skipped(ID, "the profile has no dataset")
    ref = inp.reference.get("data") or {}
    expected = ref.get("schema")
    if not ref.get("present") or not isinstance(expected, dict):
        return skipped(ID, "the reference records no dataset schema")
    local = inp.data or {}
    dest = inp.profile.data.dest
    if not local.get("present"):
        return failed(
            ID, f"no local dataset in {dest}", f"{len(expected)} table(s)", "none",
            "fetch it with 'devkit sync-data' (or '--synthetic')",
        )  # fmt: skip
    differences = schema_differences(expected, local.get("schema", {}))
    if not differences:
        return passed(ID, f"{len(expected)} table(s) match", f"{len(expected)} table(s)")
    _, first_expected, first_actual = differences[0]
    more = f" (+{len(differences) - 1} more)" if len(differences) > 1 else ""
    return failed(
        ID,
        f"{len(differences)} schema difference(s) in {dest}",
        first_expected + more,
        first_actual + more,
        "re-sync the dataset ('devkit sync-data'), or fix the code that wrote these files",
        [f"{what}: expected {want}, actual {have}" for what, want, have in differences],
    )
