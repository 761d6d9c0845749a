"""The staging reference: a fingerprint read from a file or S3, cached under ``.devkit/``.

An S3 reference is cached in ``.devkit/cache/parity/`` for ``CACHE_TTL_S`` seconds, so repeated
checks (and the pre-push hook) do not call AWS each time; ``--refresh`` skips the cache.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devkit import safefs
from devkit.core.errors import ConfigError
from devkit.core.records import dataclass
from devkit.parity import fingerprint as fp
from devkit.parity import formats
from devkit.parity.s3io import get_object

if TYPE_CHECKING:
    from devkit.config.model import Profile

CACHE_TTL_S = 15 * 60


@dataclass(frozen=True)
class Reference:
    source: str
    data: dict[str, Any]
    cached_age_s: float | None = None  # seconds since fetched, when served from the cache

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "created": self.data.get("created"),
            "where": self.data.get("where"),
            "cached_age_s": None if self.cached_age_s is None else round(self.cached_age_s, 1),
        }


def reference_address(explicit: str | None, profile: Profile) -> str:
    address = explicit or profile.parity_reference
    if not address:
        raise ConfigError(
            f"profile '{profile.name}' names no parity reference",
            "pass --reference FILE|s3://BUCKET/KEY or set parity.reference in the profile",
        )
    return address.replace("{profile}", profile.name)


def load_reference(
    address: str,
    profile: Profile,
    root: Path,
    envs_loader: Any,
    cache_dir: Path | None,
    refresh: bool = False,
) -> Reference:
    """Read, validate and check the reference belongs to ``profile``."""
    if address.startswith("s3://"):
        data, age = _from_s3(address, envs_loader, cache_dir, refresh)
    else:
        data, age = _from_file(address, root), None
    validated = fp.validate(data, f"reference {address}")
    if validated["profile"] != profile.name:
        raise ConfigError(
            f"reference {address} is for profile '{validated['profile']}', not '{profile.name}'",
            f"use the reference staging publishes for {profile.name}",
        )
    return Reference(address, validated, age)


def _from_file(address: str, root: Path) -> dict[str, Any]:
    path = Path(address).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path if (Path.cwd() / path).exists() else root / path
    hint = "pass --reference with a fingerprint written by 'devkit parity snapshot'"
    if not path.is_file():
        raise ConfigError(f"reference {address} does not exist", hint)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read reference {address}: {exc}", hint) from None
    return formats.parse_json(text, f"reference {address}", hint)


def cache_path(cache_dir: Path, address: str) -> Path:
    return cache_dir / "parity" / (hashlib.sha256(address.encode()).hexdigest()[:16] + ".json")


def _from_s3(
    address: str, envs_loader: Any, cache_dir: Path | None, refresh: bool
) -> tuple[dict[str, Any], float | None]:
    cached = cache_path(cache_dir, address) if cache_dir else None
    if cached is not None and cached.is_file() and not refresh:
        age = time.time() - cached.stat().st_mtime
        if 0 <= age < CACHE_TTL_S:
            try:
                return formats.parse_json(cached.read_bytes(), "cache", ""), age
            except ConfigError:
                pass  # a broken cache entry is fetched again

    body = get_object(address, envs_loader())
    data = formats.parse_json(body, f"reference {address}", "ask staging to publish it again")
    if cached is not None:
        safefs.write_text(cached, json.dumps(data))
    return data, None
