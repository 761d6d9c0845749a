"""Host trust: behind this machine's TLS-intercepting proxy, pip in a build needs the host's CA.

The image pip-installs a small pure-Python package from the index. With the trust step (the
rendered Dockerfile's own trust block and the host's bundle in the context's git-ignored
``.local/``, written by devkit's code or by the committed ``host-trust.sh``) it builds; the same
build without ``.local/`` at all (a cloud IDE where the script found no bundle, say) still
builds its trust layer — the COPY pattern matches nothing — and then fails on certificate
verification: the step is what makes the difference.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container.engine import build_image
from devkit.container.render import render, template
from devkit.container.trust import detect_ca_bundle, write_local_bundle
from devkit.core.errors import NotReadyError
from support.engine import TEST_LABELS

PIP_LINE = (
    "RUN python3 -m venv /tmp/v && /tmp/v/bin/pip install --no-cache-dir --retries 0 "
    "--timeout 60 six==1.16.0 && /tmp/v/bin/python -c 'import six'"
)


def trust_dockerfile(base_image: str) -> str:
    """The base image, the trust block exactly as devkit renders it, then a pip install."""
    profile = ProfileSet(None).get("training")
    dockerfile = render(profile).dockerfile
    block = dockerfile.split("# 1. Host trust", 1)[1].split("# 2. ", 1)[0]
    # A fresh line before the install keeps the layer cache from answering for pip.
    nonce = f"RUN echo build-{uuid.uuid4().hex}"
    return f"FROM {base_image}\n# 1. Host trust{block}\n{nonce}\n{PIP_LINE}\n"


def build(
    client: Any, context: Path, base_image: str, bundle: Path | None, lines: list[str]
) -> None:
    context.mkdir(parents=True)
    (context / "trust-install.sh").write_text(template("trust-install.sh"))
    if bundle:
        write_local_bundle(context, bundle)
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


def test_the_committed_host_script_writes_only_its_ignored_folder(tmp_path: Path) -> None:
    import subprocess

    folder = tmp_path / ".devcontainer"
    folder.mkdir()
    script = folder / "host-trust.sh"
    script.write_bytes(
        render(ProfileSet(None).get("training")).files[".devcontainer/host-trust.sh"]
    )
    bundle = detect_ca_bundle("auto")
    assert bundle is not None
    env = {"PATH": "/usr/bin:/bin", "SSL_CERT_FILE": str(bundle)}
    run = subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, cwd="/")
    assert run.returncode == 0, run.stderr
    copied = folder / ".local" / "host-ca.crt"
    assert copied.read_bytes() == bundle.read_bytes()
    assert (folder / ".local" / ".gitignore").read_text() == "*\n"
    mtime = copied.stat().st_mtime_ns
    assert subprocess.run(["sh", str(script)], env=env).returncode == 0
    assert copied.stat().st_mtime_ns == mtime, "unchanged content is not rewritten"
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        [".devcontainer", "host-trust.sh", ".local", "host-ca.crt", ".gitignore"]
    )
    bare = {"PATH": "/usr/bin:/bin", "SSL_CERT_FILE": str(tmp_path / "none")}
    # A cloud IDE without any bundle: simulated by a profile whose trust is 'none'.
    from devkit.core.records import replace

    none = replace(ProfileSet(None).get("training"), ca_bundle="none")
    script.write_bytes(render(none).files[".devcontainer/host-trust.sh"])
    assert subprocess.run(["sh", str(script)], env=bare).returncode == 0
    assert copied.read_bytes() == b""
    (folder / ".local" / "host-ca.crt").unlink()
    (folder / ".local" / ".gitignore").unlink()
    (folder / ".local").rmdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / ".local").symlink_to(elsewhere)
    refused = subprocess.run(["sh", str(script)], env=bare, capture_output=True, text=True)
    assert refused.returncode != 0 and "symlink" in refused.stderr
    assert list(elsewhere.iterdir()) == []
