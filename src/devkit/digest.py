"""SHA-256 and HMAC-SHA256 for the quickest commands, without ``hashlib``'s start-up cost.

``hashlib`` (and ``hmac``, which imports it) loads OpenSSL's libcrypto, about 4 ms of a no-op
sync that takes about 50. CPython's own SHA-256 module loads in a tenth of that; HMAC over it
is RFC 2104's construction (the tests check it against ``hmac``). Large inputs still go through
``hashlib`` where they are hashed (files, downloads); this is for names, digests of listings and
request signatures.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:  # CPython 3.11 calls its built-in SHA-2 module _sha256; 3.12 and later, _sha2
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - depends on the Python version
        try:
            from _sha2 import sha256
        except ImportError:
            from hashlib import sha256

_BLOCK = 64
_INNER = bytes(x ^ 0x36 for x in range(256))
_OUTER = bytes(x ^ 0x5C for x in range(256))

__all__ = ["hmac_sha256", "sha256", "sha256_hex"]


def sha256_hex(data: bytes) -> str:
    return sha256(data).hexdigest()


def hmac_sha256(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` under ``key`` (RFC 2104)."""
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_INNER) + message).digest()
    return sha256(key.translate(_OUTER) + inner).digest()
