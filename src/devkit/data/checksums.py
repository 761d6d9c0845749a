"""The checksums S3 can confirm, computed in one pass over the bytes.

A synced object is hashed once, with the checksum the server can confirm for it:

* an S3 additional checksum of the whole object (``x-amz-checksum-*`` with
  ``ChecksumMode=ENABLED``): CRC32 (zlib-ng's, several times zlib's speed), SHA-256 and
  SHA-1 (hashlib), and CRC32C / CRC64NVME when the optional ``awscrt`` package is installed.
  A composite checksum (``…-N``, an object uploaded in parts with ``COMPOSITE`` checksums)
  covers part checksums, not the bytes: skipped;
* otherwise the ETag as MD5 when it is one (single-part upload, no SSE-KMS / SSE-C);
* otherwise (a multipart ETag ``…-N`` with no additional checksum: its value depends on the
  uploader's part sizes, which S3 does not list) nothing the server can confirm: the object is
  checked by size and devkit records a SHA-256 of its own for later local checks.

The manifest records ``checksum`` as ``ALGORITHM:VALUE`` in the server's own spelling (base64
for the additional checksums, hex for MD5), which ``--verify`` and the mtime fallback recompute.

CRCs are linear, so the CRC of a whole object is combined from the CRCs of its ranged parts
(``combine``) and no byte is hashed twice; SHA and MD5 cannot be combined and are computed in
order instead.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

CHUNK = 1 << 20

# Reflected polynomials and widths of the CRCs S3 uses (all with init and xorout all ones).
_CRC_POLY = {"crc32": (0xEDB88320, 32), "crc32c": (0x82F63B78, 32)}
_CRC_POLY["crc64nvme"] = (0x9A6C9329AC4BC9B5, 64)
CRCS = tuple(_CRC_POLY)
# Preference when a response carries more than one (cheapest first).
ORDER = ("crc32", "crc32c", "crc64nvme", "sha256", "sha1")
HEADER_FIELDS = {
    "crc32": "ChecksumCRC32",
    "crc32c": "ChecksumCRC32C",
    "crc64nvme": "ChecksumCRC64NVME",
    "sha256": "ChecksumSHA256",
    "sha1": "ChecksumSHA1",
}


class Hasher(Protocol):
    algorithm: str

    def update(self, data: bytes | memoryview) -> None: ...

    def value(self) -> str: ...


def _crc_fn(algorithm: str) -> Callable[[bytes | memoryview, int], int] | None:
    if algorithm == "crc32":
        # zlib-ng's CRC32 uses the CPU's carry-less multiply where there is one (same values
        # as zlib's): on a 1 GiB object it is the difference between a tenth of a second and
        # half a second of CPU, on the core the download itself needs. It releases the GIL.
        # zlib's when zlib-ng is missing: an image built from a committed devkit-deps.txt of
        # an earlier devkit of the same version installs devkit without it.
        try:
            from zlib_ng.zlib_ng import crc32
        except ImportError:
            from zlib import crc32
        return crc32
    try:
        from awscrt import checksums  # optional: boto3[crt]
    except ImportError:
        return None
    if algorithm == "crc32c":
        return lambda data, crc: int(checksums.crc32c(data, crc))
    if algorithm == "crc64nvme":
        return lambda data, crc: int(checksums.crc64nvme(data, crc))
    return None


class CrcHasher:
    def __init__(self, algorithm: str, fn: Callable[[bytes | memoryview, int], int]) -> None:
        self.algorithm, self._fn, self.crc = algorithm, fn, 0
        self.width = _CRC_POLY[algorithm][1]

    def update(self, data: bytes | memoryview) -> None:
        self.crc = self._fn(data, self.crc)

    def value(self) -> str:
        return encode_crc(self.algorithm, self.crc)


class DigestHasher:
    def __init__(self, algorithm: str) -> None:
        import hashlib  # OpenSSL's digests (start-up time: only for an object that needs one)

        self.algorithm = algorithm
        self._h: Any = (
            hashlib.md5(usedforsecurity=False) if algorithm == "md5" else hashlib.new(algorithm)
        )

    def update(self, data: bytes | memoryview) -> None:
        self._h.update(data)

    def value(self) -> str:
        if self.algorithm == "md5":
            return str(self._h.hexdigest())
        return base64.b64encode(self._h.digest()).decode("ascii")

    def hexdigest(self) -> str:
        return str(self._h.hexdigest())


def encode_crc(algorithm: str, crc: int) -> str:
    width = _CRC_POLY[algorithm][1]
    return base64.b64encode(crc.to_bytes(width // 8, "big")).decode("ascii")


def supported(algorithm: str) -> bool:
    if algorithm in _CRC_POLY:
        return _crc_fn(algorithm) is not None
    return algorithm in ("sha256", "sha1", "md5")


def crc_fits(algorithm: str, value: int) -> bool:
    """``value`` can be a CRC of ``algorithm`` (a sidecar read back may have been edited)."""
    width = _CRC_POLY.get(algorithm, (0, 0))[1]
    return 0 <= value < 1 << width


def new(algorithm: str) -> CrcHasher | DigestHasher:
    if algorithm in _CRC_POLY:
        fn = _crc_fn(algorithm)
        if fn is None:
            raise ValueError(f"no implementation of {algorithm}")
        return CrcHasher(algorithm, fn)
    return DigestHasher(algorithm)


def choose(meta: dict[str, Any], etag: str, encrypted: bool) -> tuple[str, str] | None:
    """(algorithm, expected value) the server can confirm for this response; None when none.

    ``meta`` holds the response's ``Checksum*`` fields; ``etag`` the object's ETag."""
    for algorithm in ORDER:
        value = meta.get(HEADER_FIELDS[algorithm])
        if value and "-" not in str(value) and supported(algorithm):
            return algorithm, str(value)
    plain = etag.strip('"')
    if plain and "-" not in plain and not encrypted and len(plain) == 32:
        return "md5", plain.lower()
    return None


def _gf2_times(matrix: list[int] | tuple[int, ...], vector: int) -> int:
    total, index = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


@functools.lru_cache(maxsize=64)
def _operators(algorithm: str, len2: int) -> tuple[tuple[int, ...], ...]:
    """The matrices that append ``len2`` zero bytes to a CRC, in the order zlib applies them
    (cached: every part but the last has the same length, so a 1 GiB object costs one build)."""
    poly, width = _CRC_POLY[algorithm]
    odd = [poly] + [1 << (n - 1) for n in range(1, width)]  # one zero bit
    even = _gf2_square(odd)  # two zero bits
    odd = _gf2_square(even)  # four zero bits
    applied: list[tuple[int, ...]] = []
    while True:
        even = _gf2_square(odd)
        if len2 & 1:
            applied.append(tuple(even))
        len2 >>= 1
        if not len2:
            break
        odd = _gf2_square(even)
        if len2 & 1:
            applied.append(tuple(odd))
        len2 >>= 1
        if not len2:
            break
    return tuple(applied)


def combine(algorithm: str, crc1: int, crc2: int, len2: int) -> int:
    """The CRC of A+B from crc(A), crc(B) and len(B) (zlib's crc32_combine, any reflected CRC)."""
    if len2 <= 0:
        return crc1
    for matrix in _operators(algorithm, len2):
        crc1 = _gf2_times(matrix, crc1)
    return crc1 ^ crc2


def file_checksum(path: Path, algorithm: str) -> str | None:
    """``ALGORITHM:VALUE`` of a local file; None when this machine cannot compute it."""
    if not supported(algorithm):
        return None
    hasher = new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            hasher.update(chunk)
    return f"{algorithm}:{hasher.value()}"
