"""The stand-in staging image's machine-local build context (devkit wheels, build trust)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.container import wheel, wheelhouse
from devkit.parity.standin import build_trust, devkit_wheels, main


def test_wheels_list_devkit_without_writing_through_the_wheelhouse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    house = tmp_path / "house"
    house.mkdir()
    (house / "requirements.txt").write_text("pyyaml>=6\n")
    (house / "PyYAML-6.0-py3-none-any.whl").write_bytes(b"wheel")
    monkeypatch.setattr(wheelhouse, "ensure", lambda reqs, py, arch, log: house)
    monkeypatch.setattr(wheel, "runtime_requirements", lambda: ["pyyaml>=6"])
    dest = devkit_wheels(tmp_path / "ctx" / "devkit", "3.11", "x86_64")
    assert (dest / "requirements.txt").read_text() == "pyyaml>=6\nacme-ml-devkit\n"
    assert (house / "requirements.txt").read_text() == "pyyaml>=6\n"  # the cache is untouched
    assert any(p.name.startswith("acme_ml_devkit-") and p.suffix == ".whl" for p in dest.iterdir())


def test_build_trust_copies_the_bundle_or_leaves_it_empty(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    assert build_trust(tmp_path / "a", str(bundle)).read_text() == bundle.read_text()
    assert build_trust(tmp_path / "b", "none").read_bytes() == b""


def test_unwritable_context_is_one_error_and_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(wheelhouse, "ensure", lambda reqs, py, arch, log: tmp_path)
    assert main([str(blocker / "ctx")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("error: cannot write") and err[1].startswith("hint:")
