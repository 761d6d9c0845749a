"""devkit's own distribution on a package index: where to look, and the sha256 of its files.

``devkit init`` (without ``--vendor``) pins devkit in the image as ``NAME==VERSION
--hash=sha256:…`` so a fresh clone installs exactly the devkit that rendered its files, and
never a stranger's package of a similar name. The hashes come from the index's simple page for
the distribution (PEP 691 JSON when the index speaks it, else PEP 503 HTML), looked up at the
version that is running. The index is pip's own setting: ``PIP_INDEX_URL`` /
``PIP_EXTRA_INDEX_URL`` (or pip.conf's ``index-url`` / ``extra-index-url``), else PyPI.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

from devkit.core.errors import NotReadyError, RefusedError

PYPI_SIMPLE = "https://pypi.org/simple/"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
_ACCEPT = f"{JSON_TYPE}, text/html;q=0.1"


def has_credentials(url: str) -> bool:
    """Whether a URL carries a user name or password (``https://user:token@host/…``)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return False
    return bool(parts.username or parts.password)


def redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, "***@" + host, parts.path, "", ""))


def check_build_index(url: str, flag: str) -> str:
    """An index URL given to image builds: http(s) and without credentials (exit 4 if not)."""
    if has_credentials(url):
        raise RefusedError(
            f"{flag} carries credentials; they would end up in the image's build history",
            "pass an index URL without user or token (let pip read them from netrc or a "
            "keyring on the host), or use --vendor",
        )
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise RefusedError(
            f"{flag} '{url}' is not an http(s) URL", "pass the index's http(s) simple URL"
        )
    return url


def _pip_config(env: Mapping[str, str]) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    home = Path(env.get("HOME") or str(Path.home()))
    xdg = env.get("XDG_CONFIG_HOME") or str(home / ".config")
    files = ["/etc/pip.conf", "/etc/xdg/pip/pip.conf", str(home / ".pip" / "pip.conf")]
    files.append(str(Path(xdg) / "pip" / "pip.conf"))
    if env.get("VIRTUAL_ENV"):
        files.append(str(Path(env["VIRTUAL_ENV"]) / "pip.conf"))
    if env.get("PIP_CONFIG_FILE") and env["PIP_CONFIG_FILE"] != os.devnull:
        files.append(env["PIP_CONFIG_FILE"])
    with contextlib.suppress(configparser.Error, UnicodeDecodeError):
        parser.read(files, encoding="utf-8")
    return parser


def index_urls(env: Mapping[str, str] | None = None) -> list[str]:
    """pip's index URLs on this host: the index (default PyPI), then the extra ones."""
    env = os.environ if env is None else env
    config = _pip_config(env)

    def setting(name: str) -> str:
        value = env.get("PIP_" + name.upper().replace("-", "_"))
        if value is not None:
            return value
        for section in ("install", "global"):
            if config.has_option(section, name):
                return config.get(section, name)
        return ""

    main = setting("index-url").strip() or PYPI_SIMPLE
    extra = setting("extra-index-url").split()
    urls: list[str] = []
    for url in [main, *extra]:
        if url not in urls:
            urls.append(url)
    return urls


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, text)
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def _context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    for var in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        path = os.environ.get(var)
        if path and Path(path).is_file():
            context.load_verify_locations(cafile=path)
            break
    return context


def _fetch(url: str, timeout: float) -> tuple[str, str]:
    """(content type, text) of a simple page; file:// folders read index.html."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        folder = Path(urllib.request.url2pathname(parts.path))
        page = folder / "index.html" if folder.is_dir() else folder
        return "text/html", page.read_text(encoding="utf-8")
    request = urllib.request.Request(url, headers={"Accept": _ACCEPT})
    context = _context() if parts.scheme == "https" else None
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        kind = str(response.headers.get("Content-Type", "text/html"))
        return kind, response.read().decode("utf-8", errors="replace")


def _files(kind: str, text: str) -> list[tuple[str, dict[str, str]]]:
    """(file name, hashes) of every file listed on a simple page."""
    if JSON_TYPE in kind:
        data = json.loads(text)
        return [(str(f.get("filename", "")), dict(f.get("hashes") or {})) for f in data["files"]]
    parser = _Links()
    parser.feed(text)
    found: list[tuple[str, dict[str, str]]] = []
    for href, label in parser.links:
        path, _, fragment = href.partition("#")
        name = urllib.parse.unquote(path.rstrip("/").rsplit("/", 1)[-1]) or label
        algo, _, value = fragment.partition("=")
        found.append((name, {algo: value} if algo and value else {}))
    return found


def _matches(filename: str, name: str, version: str) -> bool:
    """Whether ``filename`` is a wheel or sdist of ``name`` at exactly ``version``."""
    stem = re.sub(r"[-_.]+", "_", name).lower()
    lowered = filename.lower()
    if lowered.endswith(".whl"):
        parts = lowered[:-4].split("-")
        return len(parts) >= 5 and re.sub(r"[-_.]+", "_", parts[0]) == stem and parts[1] == version
    for ext in (".tar.gz", ".zip"):
        if lowered.endswith(ext):
            base = lowered[: -len(ext)]
            dist, _, ver = base.rpartition("-")
            return re.sub(r"[-_.]+", "_", dist) == stem and ver == version
    return False


def distribution_hashes(
    name: str, version: str, urls: list[str], timeout: float = 30.0
) -> dict[str, str]:
    """{file name: sha256} of ``name`` at ``version`` on the first index that lists it.

    Raises NotReadyError (exit 3) when no index answers or none has that version; the hint
    names ``--vendor``.
    """
    project = re.sub(r"[-_.]+", "-", name).lower()
    problems: list[str] = []
    for base in urls:
        page = base.rstrip("/") + "/" + project + "/"
        try:
            kind, text = _fetch(page, timeout)
            files = _files(kind, text)
        except urllib.error.HTTPError as exc:
            problems.append(f"{redact(base)}: HTTP {exc.code}")
            continue
        except (OSError, ValueError, KeyError) as exc:
            problems.append(f"{redact(base)}: {getattr(exc, 'reason', None) or exc}")
            continue
        found = {
            filename: hashes["sha256"]
            for filename, hashes in files
            if _matches(filename, name, version) and hashes.get("sha256")
        }
        if found:
            return found
        problems.append(f"{redact(base)}: no {name} {version} with a sha256")
    raise NotReadyError(
        f"{name} {version} (the running devkit) is not on the package index "
        f"({'; '.join(problems) or 'no index configured'})",
        "publish it to your index, or run 'devkit init --vendor' to commit a wheel of this "
        "devkit under .devcontainer/vendor/ instead",
    )
