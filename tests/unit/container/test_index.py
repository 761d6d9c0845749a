"""devkit's hashes from a package index: a real PEP 503 folder (and a PEP 691 page) served on
127.0.0.1 by a thread of this test."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devkit.container import index
from devkit.core.errors import NotReadyError, RefusedError

WHEEL = b"not really a wheel, but bytes with a hash"
SDIST = b"an sdist"


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        json_page = Path(self.translate_path(self.path)) / "index.json"
        if "application/vnd.pypi.simple.v1+json" in self.headers.get("Accept", "") and (
            json_page.is_file()
        ):
            body = json_page.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A PEP 503 simple index: /simple/acme-ml-devkit/ lists two versions, HTML with #sha256=;
    /json/acme-ml-devkit/ answers PEP 691 JSON."""
    project = tmp_path / "simple" / "acme-ml-devkit"
    project.mkdir(parents=True)
    (project / "acme_ml_devkit-0.1.0-py3-none-any.whl").write_bytes(WHEEL)
    (project / "acme_ml_devkit-0.1.0.tar.gz").write_bytes(SDIST)
    links = [
        ("acme_ml_devkit-0.1.0-py3-none-any.whl", WHEEL),
        ("acme_ml_devkit-0.1.0.tar.gz", SDIST),
        ("acme_ml_devkit-0.1.1-py3-none-any.whl", b"newer"),
        ("acme_ml_devkit_extra-0.1.0-py3-none-any.whl", b"other project"),
    ]
    html = "".join(
        f'<a href="{name}#sha256={hashlib.sha256(data).hexdigest()}">{name}</a><br>\n'
        for name, data in links
    )
    (project / "index.html").write_text(f"<html><body>\n{html}</body></html>\n")
    other = tmp_path / "json" / "acme-ml-devkit"
    other.mkdir(parents=True)
    files = [
        {"filename": name, "url": name, "hashes": {"sha256": hashlib.sha256(data).hexdigest()}}
        for name, data in links[:1]
    ]
    page = {"meta": {"api-version": "1.0"}, "name": "acme-ml-devkit", "files": files}
    (other / "index.json").write_text(json.dumps(page))
    (other / "index.html").write_text("<html></html>")
    handler = functools.partial(_Handler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_hashes_of_exactly_the_running_version_from_a_pep503_page(served: str) -> None:
    found = index.distribution_hashes("acme-ml-devkit", "0.1.0", [served + "/simple/"])
    assert found == {
        "acme_ml_devkit-0.1.0-py3-none-any.whl": hashlib.sha256(WHEEL).hexdigest(),
        "acme_ml_devkit-0.1.0.tar.gz": hashlib.sha256(SDIST).hexdigest(),
    }


def test_pep691_json_when_the_index_speaks_it(served: str) -> None:
    found = index.distribution_hashes("acme_ml_devkit", "0.1.0", [served + "/json"])
    assert list(found.values()) == [hashlib.sha256(WHEEL).hexdigest()]


def test_first_index_without_it_falls_through_to_the_next(served: str) -> None:
    urls = [served + "/nothing/", served + "/simple/"]
    assert index.distribution_hashes("acme-ml-devkit", "0.1.0", urls)


def test_a_version_the_index_lacks_is_not_ready_and_names_vendor(served: str) -> None:
    with pytest.raises(NotReadyError) as missing:
        index.distribution_hashes("acme-ml-devkit", "9.9.9", [served + "/simple/"])
    assert missing.value.code == 3
    assert "--vendor" in missing.value.hint and "9.9.9" in missing.value.what


def test_pip_settings_choose_the_index(tmp_path: Path) -> None:
    assert index.index_urls({"HOME": str(tmp_path), "PIP_CONFIG_FILE": "/dev/null"})[0] in (
        index.PYPI_SIMPLE,
        *index.index_urls({"HOME": str(tmp_path)}),
    )
    env = {
        "HOME": str(tmp_path),
        "PIP_INDEX_URL": "https://mirror.example/simple/",
        "PIP_EXTRA_INDEX_URL": "https://extra.example/simple/ https://two.example/simple/",
    }
    assert index.index_urls(env) == [
        "https://mirror.example/simple/",
        "https://extra.example/simple/",
        "https://two.example/simple/",
    ]
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = https://conf.example/simple/\n")
    assert index.index_urls({"HOME": str(tmp_path), "PIP_CONFIG_FILE": str(conf)})[0] == (
        "https://conf.example/simple/"
    )


def test_an_index_url_for_builds_must_not_carry_credentials() -> None:
    assert index.check_build_index("https://i.example/simple/", "--index-url")
    with pytest.raises(RefusedError) as refused:
        index.check_build_index("https://user:tok@i.example/simple/", "--index-url")
    assert refused.value.code == 4 and "tok" not in refused.value.what
    with pytest.raises(RefusedError):
        index.check_build_index("file:///srv/simple", "--index-url")
    assert (
        index.redact("https://u:p@i.example:8443/simple/") == "https://***@i.example:8443/simple/"
    )
