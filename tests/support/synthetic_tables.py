"""Synthetic table declarations and helpers shared by the synthetic-data tests."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

# Every column type, nulls, a foreign key, and all three formats.
MIXED: dict[str, Any] = {
    "parents": {
        "rows": 300,
        "format": "csv",
        "columns": {
            "pid": {"type": "int", "min": 1, "max": 300, "unique": True},
            "big": {"type": "int", "min": 0, "max": 10**12, "unique": True},
            "email": {"type": "email"},
            "phone": {"type": "phone", "nullable": 0.3},
            "day": {"type": "date", "start": "2025-01-01", "end": "2025-02-01"},
            "flag": {"type": "bool", "true_fraction": 0.9},
        },
    },
    "children": {
        "rows": 5000,
        "format": "jsonl",
        "columns": {
            "id": {"type": "uuid"},
            "pid": {"type": "foreign_key", "references": "parents.pid"},
            "url": {"type": "url"},
            "at": {"type": "timestamp", "start": "2025-06-01", "end": "2025-07-01"},
            "words": {"type": "text", "words": [2, 5]},
            "size": {
                "type": "float",
                "distribution": "lognormal",
                "mean": 1,
                "std": 0.5,
                "decimals": 3,
                "nullable": 0.1,
            },
            "temp": {
                "type": "float",
                "distribution": "normal",
                "mean": 0.7,
                "std": 0.1,
                "min": 0,
                "max": 2,
            },
            "status": {"type": "category", "values": [200, 404], "weights": [0.9, 0.1]},
            "lang": {"type": "category", "values": ["en", 'q"uote'], "weights": [1, 1]},
        },
    },
}


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if not p.name.startswith(".")
    }
