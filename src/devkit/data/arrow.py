"""pyarrow (and the numpy it stands on), imported lazily and typed loosely.

pyarrow's stubs cannot follow the compute kernels' variadic, dynamically typed signatures, so the
data package handles Arrow objects as ``Any`` through these accessors.

Start-up matters for the data commands, so the paths they take avoid what costs import time
without being used: ``take`` calls the kernel without the ``pyarrow.compute`` wrapper module
(about 60 ms of generated wrappers), and ``from_numpy`` wraps a numpy array's memory without
``pyarrow.array``'s look for pandas and numpy's masked arrays.
"""

from __future__ import annotations

import os
from typing import Any

# devkit does no linear algebra, but numpy's bundled OpenBLAS starts (and spins) a thread per
# CPU when numpy is imported: tens of ms of CPU on every data command. One thread, unless the
# user chose a count; the variable is restored after the import, so no child process sees it.
_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def np() -> Any:
    """numpy, imported with one BLAS thread (see above)."""
    import sys

    if "numpy" not in sys.modules and not any(os.environ.get(v) for v in _BLAS_THREADS):
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
        try:
            import numpy
        finally:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)
        return numpy
    import numpy

    return numpy


def pa() -> Any:
    np()
    import pyarrow

    return pyarrow


def pc() -> Any:
    pa()
    import pyarrow.compute

    return pyarrow.compute


def pq() -> Any:
    pa()
    import pyarrow.parquet

    return pyarrow.parquet


def pcsv() -> Any:
    pa()
    import pyarrow.csv

    return pyarrow.csv


def pjson() -> Any:
    pa()
    import pyarrow.json

    return pyarrow.json


def preload() -> None:
    """Import what writing Parquet needs (for a thread that does it while other work runs)."""
    pq()


def take(values: Any, indices: Any) -> Any:
    """``values.take(indices)`` (``indices`` an Arrow array or a numpy int array)."""
    pa()
    if not isinstance(indices, pa().Array):
        indices = from_numpy(indices, pa().int64())
    try:  # the kernel without its wrapper module; a private name, so the public one stands by
        from pyarrow._compute import call_function
    except ImportError:
        return pc().take(values, indices)
    return call_function("take", [values, indices])


def from_numpy(values: Any, arrow_type: Any) -> Any:
    """A numpy array of a fixed-width type as an Arrow array of ``arrow_type`` sharing its
    memory (the dtype must have the type's width: int64 for timestamps, int32 for dates)."""
    pyarrow = pa()
    values = np().ascontiguousarray(values)
    return pyarrow.Array.from_buffers(arrow_type, len(values), [None, pyarrow.py_buffer(values)])
