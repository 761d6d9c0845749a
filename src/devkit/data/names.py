"""The names devkit keeps in a dataset folder beside the data (one definition for every reader)."""

from __future__ import annotations

RESERVED_PREFIX = ".devkit-"  # no remote key may use it: these names are devkit's own
MANIFEST_NAME = ".devkit-manifest.json"
JOURNAL_NAME = ".devkit-manifest.journal"
PART_PREFIX = ".devkit-part-"  # a download in progress (ranged: with a sidecar of its parts)
SIDECAR_SUFFIX = ".parts"
