"""Host trust: behind this machine's TLS-intercepting proxy, pip in a build needs the host's CA.

The image pip-installs a small pure-Python package from the index. With the trust step (the
rendered Dockerfile's own trust block and the host's bundle in the context) it builds; the
same build without the host's bundle fails on certificate verification — so the step is what
makes the difference.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.context import write_trust
from devkit.container.engine import build_image
from devkit.container.render import HostUser, render
from devkit.container.trust import detect_ca_bundle
from devkit.errors import NotReadyError
from support.engine import TEST_LABELS

PIP_LINE = (
    "RUN python3 -m venv /tmp/v && /tmp/v/bin/pip install --no-cache-dir --retries 0 "
    "--timeout 60 six==1.16.0 && /tmp/v/bin/python -c 'import six'"
)


def trust_dockerfile(base_image: str) -> str:
    """The base image, the trust block exactly as devkit renders it, then a pip install."""
    profile = ProfileSet(None).get("training")
    dockerfile = render(profile, base_image, HostUser(0, 0)).dockerfile
    block = dockerfile.split("# 1. Host trust", 1)[1].split("# 2. ", 1)[0]
    # A fresh line before the install keeps the layer cache from answering for pip.
    nonce = f"RUN echo build-{uuid.uuid4().hex}"
    return f"FROM {base_image}\n# 1. Host trust{block}\n{nonce}\n{PIP_LINE}\n"


def build(
    client: Any, context: Path, base_image: str, bundle: Path | None, lines: list[str]
) -> None:
    write_trust(context / "trust", bundle, lines.append)
    (context / "Dockerfile").write_text(trust_dockerfile(base_image))
    build_image(
        client,
        context,
        context / "Dockerfile",
        f"devkit-trust-test:{'with' if bundle else 'without'}",
        {},
        dict(TEST_LABELS),
        "host",
        lines.append,
    )


def test_pip_install_in_a_build_works_thanks_to_the_trust_step(
    tmp_path: Path, docker_engine: Any, base_image: str
) -> None:
    bundle = detect_ca_bundle("auto")
    assert bundle is not None, "the host has a CA bundle"
    lines: list[str] = []
    build(docker_engine, tmp_path / "with", base_image, bundle, lines)
    assert any("Successfully installed six-1.16.0" in line for line in lines)


def test_the_same_build_without_the_host_bundle_fails_on_the_certificate(
    tmp_path: Path, docker_engine: Any, base_image: str
) -> None:
    lines: list[str] = []
    with pytest.raises(NotReadyError) as failure:
        build(docker_engine, tmp_path / "without", base_image, None, lines)
    text = failure.value.what + "\n".join(lines)
    assert "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text, text
