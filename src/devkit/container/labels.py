"""Label names devkit and the Dev Containers reference CLI put on images and containers.

``DEVKIT_EXTRA_LABELS`` (``key=value,key=value``) adds labels to everything devkit creates; the
test suite uses it for ``org.devkit.test=1`` so its cleanup finds what the tests made.
"""

from __future__ import annotations

import os

LOCAL_FOLDER = "devcontainer.local_folder"
CONFIG_FILE = "devcontainer.config_file"
PROFILE = "org.devkit.profile"
IMAGE_HASH = "org.devkit.image-hash"
WORKSPACE = "org.devkit.workspace"
VERSION = "org.devkit.version"
ENGINE_PROBE = "org.devkit.engine-probe"  # the throwaway container proving the mount
EXTRA_LABELS_ENV = "DEVKIT_EXTRA_LABELS"


def extra_labels(raw: str | None = None) -> dict[str, str]:
    """Labels from ``DEVKIT_EXTRA_LABELS``; entries without '=' get the value '1'."""
    text = os.environ.get(EXTRA_LABELS_ENV, "") if raw is None else raw
    found: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        found[key.strip()] = value.strip() if sep else "1"
    return found
