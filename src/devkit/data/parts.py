"""Which objects a sync fetches in parts (ranged GETs, after a HEAD for the whole object's
checksum) and how large the parts are: one definition for the sync (``devkit.data.sync``) and
for the record's check (``devkit.data.quick``), which starts those HEADs while the full run
loads. Light on purpose: the check imports it before the command line is parsed."""

from __future__ import annotations

import os

PART_SIZE = 16 << 20
RANGED_THRESHOLD = 16 << 20  # objects above it are fetched in parts


def _env_size(name: str, default: int) -> int:
    """A size from the environment (bench and tests tune them); ``default`` else."""
    raw = os.environ.get(name, "")
    try:
        return max(1, int(raw)) if raw else default
    except ValueError:
        return default


def part_size() -> int:
    return _env_size("DEVKIT_SYNC_PART_SIZE", PART_SIZE)


def ranged_threshold() -> int:
    return _env_size("DEVKIT_SYNC_RANGED_THRESHOLD", RANGED_THRESHOLD)
