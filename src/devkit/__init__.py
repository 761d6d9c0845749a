"""devkit: a reproducible, staging-faithful dev environment for an ML workload in minutes."""

from __future__ import annotations

__version__ = "0.1.0"
