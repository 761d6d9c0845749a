"""The parity rules, one module per idea; ``RULES`` maps each id to its module."""

from __future__ import annotations

from types import ModuleType

from devkit.parity.rules import (
    base_image,
    branch,
    data_schema,
    data_version,
    env_keys,
    last_run,
    lockfile,
    prod_refs,
    python,
)

RULES: dict[str, ModuleType] = {
    m.ID: m
    for m in (
        python,
        base_image,
        lockfile,
        env_keys,
        data_schema,
        data_version,
        branch,
        prod_refs,
        last_run,
    )
}
