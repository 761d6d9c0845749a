"""The secret scanner the container and end-to-end tests rely on catches each kind of leak on its
own: a secret only in an image layer's bytes (not in inspect, history or labels), in the image
history, in a label.

Each image here is built from the local base image with one leak and checked to have it *only*
where intended (the other checks come back clean), so a check that stopped working would fail
this test instead of being hidden by a check that fires first.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from support.engine import build_image
from support.secrets_scan import assert_no_secrets, find_secrets

pytestmark = pytest.mark.docker


def leak_image(client: Any, base_image: str, tmp_path: Path, kind: str, secret: str) -> str:
    context = tmp_path / kind
    context.mkdir()
    (context / "payload.txt").write_text(f"config\ntoken={secret}\n" if kind == "layer" else "x")
    steps = {
        # COPY records only the file's digest in the history: the secret is in the layer alone.
        "layer": "COPY payload.txt /etc/devkit-leak.txt",
        # A RUN whose command names the secret but writes nothing: history only.
        "history": f"RUN : {secret}",
        "label": f"LABEL org.devkit.leak={secret}",
    }
    (context / "Dockerfile").write_text(f"FROM {base_image}\n{steps[kind]}\n")
    tag = f"devkit-test-leak-{kind}:{uuid.uuid4().hex[:8]}"
    image = build_image(client, "", tag, path=str(context))
    return str(image.id)


# The image config (history and labels included) is itself a file in `docker save`, so those
# leaks are found twice; the layer leak must be found by the layer scan alone.
@pytest.mark.parametrize(
    ("kind", "where", "expected"),
    [
        ("layer", "image layers", {"image layers"}),
        ("history", "docker history", {"docker history", "image layers"}),
        ("label", "image labels", {"docker history", "image labels", "image layers"}),
    ],
)
def test_each_kind_of_leak_is_found_where_it_is_and_only_there(
    docker_engine: Any, base_image: str, tmp_path: Path, kind: str, where: str, expected: set[str]
) -> None:
    secret = "s3cr3t-" + uuid.uuid4().hex
    image_id = leak_image(docker_engine, base_image, tmp_path, kind, secret)
    try:
        found = find_secrets(docker_engine, image_id, {"token": secret})
        assert {w for _, w in found} == expected
        with pytest.raises(AssertionError, match=f"token in {where}"):
            assert_no_secrets(docker_engine, image_id, {"token": secret})
        assert_no_secrets(docker_engine, image_id, {"other": "s3cr3t-" + uuid.uuid4().hex})
    finally:
        docker_engine.images.remove(image_id, force=True)
