"""The guard's verdict and the read-only session it verified, cached for the session's lifetime.

A no-op sync is dominated by fixed costs: STS (GetCallerIdentity twice, AssumeRole) and the
write probe. Like the AWS CLI's credential cache (``~/.aws/cli/cache``), devkit keeps the
assumed-role session in a private file, together with the verdict the guard reached for it,
and reuses both until the session expires (minus ``MARGIN``).

What makes it safe (``devkit.data.guard`` has the decision table this never changes):

* only a verdict the guard itself reached is stored, after ``read_only_session`` passed, and
  only a *pass* (a refusal is never cached, so it is re-evaluated every time);
* the entry's name is a hash of everything the verdict depends on: the caller's credentials
  (a SHA-256 of the key id, secret and token the standard chain yields — never stored),
  the role, bucket, prefix, purpose, region, endpoint, AWS profile, the probed key, whether
  the session is the broker's, and a digest of the environments map. Another identity, role,
  bucket, prefix or map finds no entry and the guard runs in full;
* an entry is used only before its expiry: the assumed session's own expiry minus
  ``MARGIN``, and never more than ``OWN_CREDENTIALS_TTL`` for a verdict on own credentials
  (which have no session lifetime);
* the folder is ``$DEVKIT_CACHE_DIR/guard`` (else ``$XDG_CACHE_HOME/devkit/guard``, else
  ``~/.cache/devkit/guard``), mode 0700; files are 0600. A folder that is a symlink, another
  user's, or open to others is never read or written (``privatefs.read_private``);
* ``DEVKIT_GUARD_CACHE=0`` turns it off.
"""

from __future__ import annotations

import json
import time

from devkit import privatefs
from devkit.core.userdirs import cache_dir, switched_on
from devkit.digest import sha256

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

    from devkit.config.environments import EnvironmentMap

FORMAT = 1
MARGIN = 300.0  # seconds before the session's expiry when an entry stops being used
OWN_CREDENTIALS_TTL = 900.0
MAX_ENTRY = 64 << 10


def folder() -> str:
    return cache_dir("guard")


def enabled() -> bool:
    return switched_on("DEVKIT_GUARD_CACHE")


def environments_digest(envs: EnvironmentMap) -> str:
    # Not at import: a no-op answered from its record never needs it.
    from devkit.core.records import asdict

    body = json.dumps(asdict(envs), sort_keys=True, default=str)
    return sha256(body.encode()).hexdigest()


def entry_name(keys: tuple[str, str, str | None], context: dict[str, Any]) -> str:
    """The file name: a hash of the caller's credentials and everything the verdict covers."""
    identity = sha256("\0".join(k or "" for k in keys).encode()).hexdigest()
    body = json.dumps({"identity": identity, **context}, sort_keys=True)
    return sha256(body.encode()).hexdigest()[:40] + ".json"


def load(name: str, now: float | None = None) -> dict[str, Any] | None:
    """The entry when present, well formed and not expired; None otherwise."""
    if not enabled():
        return None
    raw = privatefs.read_private(folder(), name, MAX_ENTRY)
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT:
        return None
    expires = entry.get("expires")
    if not isinstance(expires, int | float) or (now or time.time()) >= expires:
        forget(name)
        return None
    return entry


def store(name: str, entry: dict[str, Any], expires: float) -> bool:
    if not enabled():
        return False
    body = json.dumps({**entry, "format": FORMAT, "expires": expires}, sort_keys=True)
    return privatefs.write_private(folder(), name, body.encode())


def forget(name: str) -> None:
    privatefs.remove_private(folder(), name)


def expiry(session_expiration: float | None, now: float | None = None) -> float:
    """When an entry for a session expiring at ``session_expiration`` stops being used."""
    now = now or time.time()
    if session_expiration is None:
        return now + OWN_CREDENTIALS_TTL
    return min(session_expiration - MARGIN, now + 12 * 3600)
