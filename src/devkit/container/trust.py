"""Host trust: the CA bundle and proxy settings containers need to reach package indexes."""

from __future__ import annotations

import os
from pathlib import Path

from devkit import safefs
from devkit.core.errors import RefusedError

# The git-ignored folder under .devcontainer/ that holds this machine's CA bundle for the build.
LOCAL_DIR = ".local"

CA_ENV_VARS = (
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "PIP_CERT",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "AWS_CA_BUNDLE",
)
SYSTEM_BUNDLES = (
    "/etc/ssl/certs/ca-certificates.crt",  # Debian, Ubuntu, Alpine
    "/etc/pki/tls/certs/ca-bundle.crt",  # Fedora, RHEL
    "/etc/ssl/cert.pem",  # macOS, OpenBSD
    "/etc/ssl/ca-bundle.pem",  # openSUSE
)
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY")


def detect_ca_bundle(setting: str = "auto") -> Path | None:
    """The CA bundle the host trusts: an explicit path, the env variables, then system paths."""
    if setting == "none":
        return None
    if setting != "auto":
        path = Path(setting).expanduser()
        return path if path.is_file() else None
    for var in CA_ENV_VARS:
        value = os.environ.get(var)
        if value and Path(value).is_file():
            return Path(value)
    return next((Path(p) for p in SYSTEM_BUNDLES if Path(p).is_file()), None)


def proxy_settings() -> dict[str, str]:
    """Proxy variables set on the host, upper-case names, lower-case spellings folded in."""
    found: dict[str, str] = {}
    for name in PROXY_VARS:
        value = os.environ.get(name) or os.environ.get(name.lower())
        if value:
            found[name] = value
    return found


def redact_proxy(url: str) -> str:
    """A proxy URL without its password, for logs."""
    if "@" not in url:
        return url
    scheme, _, rest = url.rpartition("://")
    return f"{scheme}://***@{rest.split('@', 1)[1]}" if scheme else "***@" + rest.split("@", 1)[1]


def write_local_bundle(devcontainer_dir: Path, bundle: Path | None) -> bool:
    """What ``host-trust.sh`` does, in devkit's own code: the host's CA bundle (or an empty
    file) at ``.devcontainer/.local/host-ca.crt``, git-ignored by ``.local/.gitignore``.

    Writes only below ``.local/``, refuses a symlinked ``.local/`` (or files in it), and
    rewrites a file only when its content changed. Returns whether host-ca.crt changed.
    """

    folder = devcontainer_dir / LOCAL_DIR
    for path in (folder, folder / ".gitignore", folder / "host-ca.crt"):
        if path.is_symlink():
            raise RefusedError(
                f"{path} is a symlink; devkit does not write through it",
                f"remove {path} (devkit recreates it as a plain folder) and run again",
            )

    root = devcontainer_dir.parent
    safefs.ensure_dir(folder, root=root, strict_from=folder)
    ignore = folder / ".gitignore"
    if not ignore.is_file() or ignore.read_text(encoding="utf-8", errors="replace") != "*\n":
        safefs.write_text(ignore, "*\n", root=root, strict_from=folder)
    data = bundle.read_bytes() if bundle else b""
    target = folder / "host-ca.crt"
    if target.is_file() and target.read_bytes() == data:
        return False
    safefs.write_bytes(target, data, root=root, strict_from=folder)
    return True


def local_bundle_current(devcontainer_dir: Path, bundle: Path | None) -> bool:
    target = devcontainer_dir / LOCAL_DIR / "host-ca.crt"
    try:
        return target.read_bytes() == (bundle.read_bytes() if bundle else b"")
    except OSError:
        return False
