"""A deterministic random source per (seed, table, column, purpose), built on raw PCG64 bits.

Every draw takes a fixed number of raw values per row, in row order, so a column drawn in chunks
equals the column drawn at once (the writer streams tables chunk by chunk).

Only the raw bit stream of PCG64 and SeedSequence are relied on (NumPy keeps both stable); every
distribution is derived here with exact IEEE arithmetic, so the same seed gives the same values
on any machine and NumPy version (``Generator`` methods may change between NumPy releases).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    U64 = npt.NDArray[np.uint64]
    F64 = npt.NDArray[np.float64]
    I64 = npt.NDArray[np.int64]


def _key(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


class Draw:
    """Independent streams: ``Draw(seed, "documents", "label", "values")``."""

    def __init__(self, seed: int, *names: str) -> None:
        import numpy as np

        sequence = np.random.SeedSequence(entropy=seed, spawn_key=tuple(_key(n) for n in names))
        self._bits = np.random.PCG64(sequence)

    def raw(self, n: int) -> U64:
        import numpy as np

        if n == 0:
            return np.zeros(0, dtype=np.uint64)
        return self._bits.random_raw(n)

    def uniform(self, n: int) -> F64:
        """Floats in [0, 1) with 53 random bits each."""
        import numpy as np

        return (self.raw(n) >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)

    def integers(self, low: int, high: int, n: int) -> I64:
        """Integers in [low, high], inclusive, one raw value each (bias below span / 2**32).

        Each call takes exactly ``n`` values off the stream, so drawing 3 then 5 values gives
        the same 8 values as drawing 8 at once: columns can be generated in chunks."""
        import numpy as np

        span = high - low + 1
        if span <= 0:
            raise ValueError(f"empty range [{low}, {high}]")
        if span > 2**63:
            return (self.raw(n).view(np.int64)).astype(np.int64)
        raw = self.raw(n)
        if span <= 2**32:
            # The high 32 bits scaled to the span (multiply and shift: no division).
            raw >>= np.uint64(32)
            raw *= np.uint64(span)
            raw >>= np.uint64(32)
        else:
            raw %= np.uint64(span)
        values = raw.view(np.int64)
        values += np.int64(low)
        return values

    def standard_normal(self, n: int) -> F64:
        """Irwin–Hall: the sum of 12 uniforms minus 6 — only additions, so exact everywhere."""
        import numpy as np

        if n == 0:
            return np.zeros(0, dtype=np.float64)
        parts = self.uniform(12 * n).reshape(n, 12)  # row i uses raw values 12i..12i+11
        total = parts[:, 0].copy()
        for j in range(1, 12):  # a fixed order of element-wise additions, no pairwise reduction
            total += parts[:, j]
        result: F64 = total - 6.0
        return result

    def permutation_keys(self, n: int) -> I64:
        """A deterministic permutation of range(n)."""
        import numpy as np

        return np.argsort(self.raw(n), kind="stable").astype(np.int64)
