"""Small pure pieces: extra labels, secrets file format, wheel, wheelhouse tags, init plan."""

from __future__ import annotations

import base64
import hashlib
import stat
import zipfile
from pathlib import Path

import pytest

from devkit.config.profiles import ProfileSet
from devkit.container import secrets, wheel
from devkit.container.image_step import build_network
from devkit.container.labels import extra_labels
from devkit.core.errors import ConfigError
from devkit.init.plan import build_init_plan
from devkit.init.request import InitRequest
from devkit.workspace import Workspace


def test_extra_labels_parse() -> None:
    assert extra_labels("org.devkit.test=1, a=b,flag") == {
        "org.devkit.test": "1",
        "a": "b",
        "flag": "1",
    }
    assert extra_labels("") == {}


def test_secrets_file_round_trips_awkward_values_and_is_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {"A": "it's $HOME; `x`", "B": "", "C": "line1 line2"}
    assert secrets.parse(secrets.render(values)) == values
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    path = secrets.write("devkit-x", values)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    inode = path.stat().st_ino
    secrets.write("devkit-x", {"A": "new"})
    assert path.stat().st_ino == inode, "rewritten in place: a running container sees it"
    secrets.write("devkit-gone", {"A": "b"})
    assert secrets.sweep({"devkit-x"}) == [], "a fresh file may belong to a container being made"
    assert secrets.sweep({"devkit-x"}, min_age_s=-1) == ["devkit-gone"]
    assert path.exists() and not secrets.secrets_path("devkit-gone").exists()
    secrets.remove("devkit-x")
    assert not path.exists()
    assert secrets.has_credentials("http://u:p@proxy:3128")
    assert not secrets.has_credentials("http://proxy:3128/a@b")


def test_wheel_holds_every_package_file_with_a_valid_record(tmp_path: Path) -> None:
    path = wheel.build_wheel(tmp_path)
    assert path.name == f"acme_ml_devkit-{wheel.devkit_version()}-py3-none-any.whl"
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert "devkit/cli.py" in names
        assert "devkit/templates/Dockerfile.tmpl" in names
        assert "devkit/builtin_profiles/training.yaml" in names
        info = f"acme_ml_devkit-{wheel.devkit_version()}.dist-info"
        assert "Name: acme-ml-devkit" in zf.read(f"{info}/METADATA").decode()
        record = zf.read(f"{info}/RECORD").decode()
        for line in record.splitlines():
            name, digest, _size = line.rsplit(",", 2)
            if digest:
                raw = hashlib.sha256(zf.read(name)).digest()
                assert digest == "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert wheel.build_wheel(tmp_path).read_bytes() == path.read_bytes(), "reproducible"


def test_wheel_is_read_back_from_the_cache_while_devkit_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DEVKIT_WHEEL_CACHE", "1")
    built = wheel.wheel_bytes()
    monkeypatch.setenv("DEVKIT_WHEEL_CACHE", "0")
    assert wheel.wheel_bytes() == built, "the cache changes no byte"
    monkeypatch.setenv("DEVKIT_WHEEL_CACHE", "1")
    stored = list((tmp_path / "cache" / "wheels").glob("*.whl"))
    assert len(stored) == 1 and stat.S_IMODE(stored[0].stat().st_mode) == 0o600

    def no_zip(*args: object, **kwargs: object) -> None:
        raise AssertionError("zipped again")

    monkeypatch.setattr(zipfile, "ZipFile", no_zip)
    assert wheel.wheel_bytes() == built
    # Any change to what the wheel holds is another entry: zipped again.
    files = wheel.package_files()
    extra = tmp_path / "extra.py"
    extra.write_text("VALUE = 1\n")
    monkeypatch.setattr(wheel, "package_files", lambda: [*files, ("devkit/extra.py", extra)])
    with pytest.raises(AssertionError, match="zipped again"):
        wheel.wheel_bytes()


def test_a_wheel_cache_open_to_others_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DEVKIT_WHEEL_CACHE", "1")
    built = wheel.wheel_bytes()
    folder = tmp_path / "cache" / "wheels"
    (entry,) = folder.glob("*.whl")
    entry.write_bytes(b"not a wheel")
    folder.chmod(0o777)
    assert wheel.wheel_bytes() == built


def test_runtime_requirements_are_pinned_and_skip_extras() -> None:
    reqs = wheel.runtime_requirements()
    assert reqs and all("==" in r for r in reqs)
    assert not any(r.lower().startswith(("pytest", "ruff", "mypy")) for r in reqs)


def test_build_uses_host_network_only_for_a_loopback_proxy() -> None:
    assert build_network({"HTTPS_PROXY": "http://127.0.0.1:3128"}) == "host"
    assert build_network({"HTTP_PROXY": "http://u:p@localhost:8080/"}) == "host"
    assert build_network({"HTTPS_PROXY": "http://proxy.corp:3128"}) is None
    assert build_network({}) is None


def test_invalid_branch_fails_before_any_step(tmp_path: Path) -> None:
    profile = ProfileSet(None).get("training")
    with pytest.raises(ConfigError, match="invalid branch name"):
        build_init_plan(Workspace(tmp_path), profile, InitRequest(branch="feat/a..b"))
    with pytest.raises(ConfigError, match="data mode"):
        build_init_plan(Workspace(tmp_path), profile, InitRequest(branch="feat/a", data="all"))


def test_init_plan_order_and_data_extension_point(tmp_path: Path) -> None:
    profile = ProfileSet(None).get("training")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "training.lock").write_text("six==1.16.0\n")
    request = InitRequest(branch="feat/a", data="none", network="bridge", vendor=True)
    plan = build_init_plan(Workspace(tmp_path), profile, request)
    ids = [s.id for s in plan.steps]
    assert ids[:6] == ["record", "branch", "devcontainer", "image", "container", "post-create"]
    assert "data" not in ids


def test_build_and_start_failures_name_the_cause_and_the_fix() -> None:
    from devkit.container.engine import _build_error, _start_error
    from devkit.container.spec import ContainerSpec, PortBinding

    full = _build_error("write /x: no space left on device", "RUN pip install -r x", ["a", "b"])
    assert "at 'RUN pip install -r x'" in full.what and "    b" in full.what
    assert "disk is full" in full.hint
    bridge = _build_error("could not find bridge docker0", "RUN true", [])
    assert "--network host" in bridge.hint
    spec = ContainerSpec(
        "n", "i", "root", "/workspace", {}, [], [PortBinding("127.0.0.1", 80, 80)], {}
    )
    taken = _start_error(
        RuntimeError("Bind for 127.0.0.1:80 failed: port is already allocated"), spec
    )
    assert "127.0.0.1:80" in taken.what and "ports" in taken.hint


def test_pending_client_hands_over_its_client_or_its_error() -> None:
    from devkit.container.image_step import DockerHandle, PendingClient
    from devkit.core.errors import NotReadyError
    from devkit.init.ready import settle

    client = object()
    pending = PendingClient(lambda: client)
    assert DockerHandle(pending).client is client and settle(pending) is client
    assert settle(client) is client  # a client made before is its own answer

    def refuse() -> object:
        raise NotReadyError("engine away", "start it")

    failing = PendingClient(refuse)
    for call in (lambda: settle(failing), lambda: DockerHandle(failing).client):
        with pytest.raises(NotReadyError, match="engine away"):
            call()
