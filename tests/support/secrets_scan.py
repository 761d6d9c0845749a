"""Where a secret must never be: one helper for every test that checks an image or container.

``find_secrets`` looks in ``docker inspect`` of the container (when given), the image's history
(every layer's ``CreatedBy``), its labels, and the bytes of every layer (``docker save``,
streamed, with an overlap so a secret split across two chunks is still found). It returns
``[(secret name, where)]`` for each place each secret shows up — each place is checked on its
own, so a leak caught by one check cannot hide a broken other check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

CHECKS = ("docker inspect", "docker history", "image labels", "image layers")


def find_secrets(
    client: Any,
    image_id: str,
    secrets: Mapping[str, str],
    container_id: str | None = None,
) -> list[tuple[str, str]]:
    wanted = {name: value.encode() for name, value in secrets.items()}
    assert all(len(v) >= 8 for v in wanted.values()), "secrets this short match by accident"
    found: list[tuple[str, str]] = []

    def scan(where: str, blob: bytes) -> None:
        for name, value in wanted.items():
            if value in blob and (name, where) not in found:
                found.append((name, where))

    if container_id is not None:
        scan("docker inspect", json.dumps(client.api.inspect_container(container_id)).encode())
    scan("docker history", json.dumps(client.api.history(image_id)).encode())
    scan("image labels", json.dumps(client.images.get(image_id).labels).encode())
    overlap = max(len(v) for v in wanted.values())
    tail = b""
    for chunk in client.images.get(image_id).save(chunk_size=4 << 20):
        scan("image layers", tail + chunk)
        tail = chunk[-overlap:]
    return found


def assert_no_secrets(
    client: Any,
    image_id: str,
    secrets: Mapping[str, str],
    container_id: str | None = None,
) -> None:
    found = find_secrets(client, image_id, secrets, container_id)
    assert not found, "secrets found: " + ", ".join(f"{n} in {w}" for n, w in found)
