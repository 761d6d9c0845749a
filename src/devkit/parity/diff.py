"""Compare two fingerprints field by field, without rules: what differs and how."""

from __future__ import annotations

from typing import Any

from devkit.core.records import dataclass
from devkit.parity.rules.data_schema import schema_differences

SCALARS = (
    ("python", "version"),
    ("python", "implementation"),
    ("platform", "system"),
    ("platform", "machine"),
    ("platform", "os_release"),
    ("base_image", "ref"),
    ("base_image", "digest"),
    ("lockfile", "path"),
    ("lockfile", "sha256"),
    ("data", "dest"),
    ("data", "manifest_digest"),
    ("git", "branch"),
    ("git", "commit"),
    ("git", "merge_base"),
    ("git", "behind"),
    ("git", "dirty"),
)


@dataclass(frozen=True)
class Difference:
    field: str
    a: Any
    b: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "a": self.a, "b": self.b}

    def __str__(self) -> str:
        return f"{self.field}: {_show(self.a)} → {_show(self.b)}"


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return " ".join(f"{k}={v}" for k, v in value.items()) or "{}"
    return str(value)


def _section(fp: dict[str, Any], name: str) -> dict[str, Any]:
    value = fp.get(name)
    return value if isinstance(value, dict) else {}


def _mapping_diff(prefix: str, a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
    return [
        Difference(f"{prefix}.{key}", a.get(key), b.get(key))
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key)
    ]


def diff_fingerprints(a: dict[str, Any], b: dict[str, Any]) -> list[Difference]:
    found = [
        Difference(f"{section}.{key}", _section(a, section).get(key), _section(b, section).get(key))
        for section, key in SCALARS
        if _section(a, section).get(key) != _section(b, section).get(key)
    ]
    found += _mapping_diff(
        "distributions", _section(a, "distributions"), _section(b, "distributions")
    )
    found += _mapping_diff(
        "lockfile.pins",
        _section(a, "lockfile").get("pins", {}),
        _section(b, "lockfile").get("pins", {}),
    )
    names_a, names_b = set(a.get("env_names", [])), set(b.get("env_names", []))
    found += [Difference(f"env_names.{n}", "set", None) for n in sorted(names_a - names_b)]
    found += [Difference(f"env_names.{n}", None, "set") for n in sorted(names_b - names_a)]
    schema_a = _section(a, "data").get("schema") or {}
    schema_b = _section(b, "data").get("schema") or {}
    found += [
        Difference(f"data.schema ({what})", want, have)
        for what, want, have in schema_differences(schema_a, schema_b)
    ]
    return found
