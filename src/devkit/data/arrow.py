"""pyarrow, imported lazily and typed loosely.

pyarrow's stubs cannot follow the compute kernels' variadic, dynamically typed signatures, so the
data package handles Arrow objects as ``Any`` through these accessors.
"""

from __future__ import annotations

from typing import Any


def pa() -> Any:
    import pyarrow

    return pyarrow


def pc() -> Any:
    import pyarrow.compute

    return pyarrow.compute


def pq() -> Any:
    import pyarrow.parquet

    return pyarrow.parquet


def pcsv() -> Any:
    import pyarrow.csv

    return pyarrow.csv


def pjson() -> Any:
    import pyarrow.json

    return pyarrow.json
