"""The AWS adapter's fast lane: one S3 listing without botocore, for the no-op sync.

A no-op sync is one LIST, and botocore costs more than that listing: importing it, loading the
S3 service model and building a client take a few hundred milliseconds before the first byte.
When the guard's cache (``devkit.data.guard_cache``) holds a verdict for this very caller, and
the verdict recorded how botocore reached the bucket (the listing's URL, the signing region, the
CA bundle, and that no proxy applied), ``Lister`` signs ListObjectsV2 requests itself (AWS
Signature Version 4, ``devkit.digest``) and sends them with ``devkit.data.wire``. Anything else goes
through botocore as before:

* only credentials in the environment (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``
  [/ ``AWS_SESSION_TOKEN``]), the first source of botocore's chain, are read here
  (``env_keys``); other sources (SSO, profiles, instance roles) need botocore's chain;
* ``fingerprint`` hashes every setting that could change how botocore connects (``AWS_*``,
  proxy and CA bundle variables, the AWS config and credentials files' identity): a record
  made under other settings is not used;
* any failure (a refused request, a non-200 answer, an answer that does not parse, a network
  error) raises ``FastPathError``, and the caller takes botocore's path, which reports it.

botocore is never imported here (the import contract holds it to ``data/aws.py``).
"""

from __future__ import annotations

import os
import time

from devkit.core.userdirs import switched_on
from devkit.data import wire
from devkit.digest import hmac_sha256, sha256_hex

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    import builtins
    from collections.abc import Callable
    from threading import Event
    from typing import Any, TypeVar

    from devkit.data.selection import RemoteObject

    Row = TypeVar("Row")
    _Row = tuple[str, int, str, str, str]  # key, size, ETag, date, checksum algorithms

EMPTY_SHA256 = sha256_hex(b"")
_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
_TLS_VARS = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")
MAX_PAGES = 100_000
TIMEOUT = 20.0  # per socket operation; a route that stopped answering falls back
# Requests the fast lane sent, per operation (all listers of this process); tests read it.
REQUESTS: dict[str, int] = {}


def enabled() -> bool:
    """``DEVKIT_S3_FAST_LANE=0`` sends every request through botocore."""
    return switched_on("DEVKIT_S3_FAST_LANE")


class FastPathError(Exception):
    """The fast lane cannot answer; botocore's path must (and reports any real error)."""


def env_keys() -> tuple[str, str, str | None] | None:
    """The caller's keys when they come from the environment, as botocore's first provider
    reads them; None when they would come from anywhere else."""
    key_id = os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not key_id or not secret:
        return None
    token = os.environ.get("AWS_SESSION_TOKEN") or os.environ.get("AWS_SECURITY_TOKEN") or None
    return key_id, secret, token


def _file_id(path: str) -> str:
    try:
        found = os.stat(os.path.expanduser(path))
    except OSError:
        return "-"
    return f"{found.st_ino}:{found.st_size}:{found.st_mtime_ns}"


def fingerprint() -> str:
    """A hash of every setting that decides how botocore reaches S3 (see the module doc)."""
    names = sorted(
        k for k in os.environ if k.startswith("AWS_") or k.lower() in _PROXY_VARS or k in _TLS_VARS
    )
    parts = [f"{k}={os.environ[k]}" for k in names]
    parts.append(_file_id(os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"))
    parts.append(_file_id(os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"))
    return sha256_hex("\0".join(parts).encode())


def _uri(text: str) -> str:
    return wire.quote(text, safe="")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac_sha256(key, text.encode("utf-8"))


def sign(
    method: str,
    url: str,
    query: dict[str, str],
    region: str,
    keys: tuple[str, str, str | None],
    now: float | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The headers of an AWS Signature Version 4 request to S3 with an empty body; ``extra``
    headers (``range``, ``if-match``, ``x-amz-checksum-mode``) are sent and signed too."""
    scheme, host, port, path = wire.split_url(url)
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host = f"{host}:{port}"
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    day = stamp[:8]
    key_id, secret, token = keys
    headers = {"host": host, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": stamp}
    if token:
        headers["x-amz-security-token"] = token
    headers.update({k.lower(): v for k, v in (extra or {}).items()})
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        [
            method,
            path or "/",
            "&".join(f"{_uri(k)}={_uri(v)}" for k, v in sorted(query.items())),
            "".join(f"{k}:{headers[k].strip()}\n" for k in sorted(headers)),
            signed,
            EMPTY_SHA256,
        ]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            stamp,
            scope,
            sha256_hex(canonical.encode("utf-8")),
        ]
    )
    key = _hmac(("AWS4" + secret).encode("utf-8"), day)
    for part in (region, "s3", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac_sha256(key, to_sign.encode("utf-8")).hex()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed}, "
        f"Signature={signature}"
    )
    return headers


class Route:
    """How botocore reached the bucket's listing, recorded while it did (``S3.route``)."""

    __slots__ = ("base", "ca_bundle", "region")

    def __init__(self, base: str, region: str, ca_bundle: str | None) -> None:
        self.base = base  # the listing's URL without its query: scheme://host[:port]/path
        self.region = region  # the signing region botocore used
        self.ca_bundle = ca_bundle  # the CA bundle botocore verified TLS with (https)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Route) and self.to_json() == other.to_json()

    def __hash__(self) -> int:
        return hash((self.base, self.region, self.ca_bundle))

    def __repr__(self) -> str:
        return f"Route({self.base!r}, {self.region!r}, {self.ca_bundle!r})"

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "region": self.region, "ca_bundle": self.ca_bundle}

    @classmethod
    def from_json(cls, data: Any) -> Route | None:
        if not isinstance(data, dict):
            return None
        base, region, bundle = data.get("base"), data.get("region"), data.get("ca_bundle")
        if not isinstance(base, str) or not isinstance(region, str) or not region:
            return None
        try:
            wire.split_url(base)
        except ValueError:
            return None
        if bundle is not None and not isinstance(bundle, str):
            return None
        return cls(base, region, bundle)


def lane(
    entry: dict[str, Any], keys: tuple[str, str, str | None]
) -> tuple[Route, tuple[str, str, str | None]] | None:
    """The route and keys a guard cache entry gives the fast lane (the entry's own assumed-role
    keys, else ``keys``); None when it was recorded under other connection settings, has no
    route, or holds credentials that are not what devkit stores."""
    if entry.get("transport") != fingerprint():
        return None
    route = Route.from_json(entry.get("route"))
    creds = entry.get("credentials")
    if creds is not None:
        ok = (
            isinstance(creds, list)
            and len(creds) == 3
            and all(isinstance(c, str) for c in creds[:2])
            and (creds[2] is None or isinstance(creds[2], str))
        )
        if not ok:
            return None
        keys = (creds[0], creds[1], creds[2])
    return None if route is None else (route, keys)


def row(key: str, size: int, etag: str, modified: str, algorithm: str) -> _Row:
    """A listed object as a plain tuple (what ``Lister.rows`` makes when asked for no class)."""
    return key, size, etag, modified, algorithm


def _ahead_key(
    route: Route, keys: tuple[str, str, str | None], prefix: str
) -> tuple[str, str, str | None, tuple[str, str, str | None], str]:
    return route.base, route.region, route.ca_bundle, keys, prefix


class _Ahead:
    """A listing made before ``Lister.list`` asked for it (``list_ahead``)."""

    __slots__ = ("done", "failed", "requests", "rows")

    def __init__(self, rows: builtins.list[_Row] | None, requests: int) -> None:
        self.rows, self.requests = rows, requests
        self.failed = ""  # why the listing failed (the taker then fails as it would have)
        self.done: Event | None = None  # set once the listing on its own thread ended


# Listings made ahead, by route, keys and prefix: the next Lister.list of the same takes its own.
_AHEAD: dict[tuple[str, str, str | None, tuple[str, str, str | None], str], _Ahead] = {}


def list_ahead(
    route: Route,
    keys: tuple[str, str, str | None],
    prefix: str,
    rows: builtins.list[_Row] | None = None,
    requests: int = 0,
) -> None:
    """Hand this process's next listing of ``prefix`` (the same route, the same keys) a listing
    made already: ``rows``, as (key, size, ETag, date, checksum algorithms), from ``requests``
    requests. Without ``rows``, that listing starts now on a thread of its own, while the
    caller loads what it needs before it asks (``devkit.data.quick``, for the full run); when
    no thread can start, nothing is handed over."""
    ahead = _Ahead(rows, requests)
    key = _ahead_key(route, keys, prefix)
    if rows is not None:
        _AHEAD[key] = ahead
        return
    import threading

    lister = Lister(route, keys)
    done = ahead.done = threading.Event()

    def run() -> None:
        try:
            ahead.rows = lister.rows(prefix, row)
        except FastPathError as exc:
            ahead.failed = str(exc)
        finally:
            ahead.requests = lister.requests
            done.set()

    threading.Thread(target=run, name="devkit-list-ahead", daemon=True).start()
    _AHEAD[key] = ahead  # only once its thread runs: a taker waits for it to end


class Lister:
    """ListObjectsV2 over one kept-alive connection, signed with ``keys``."""

    def __init__(self, route: Route, keys: tuple[str, str, str | None]) -> None:
        self.route, self.keys, self.requests = route, keys, 0

    def _connection(self) -> wire.Connection:
        scheme, host, port, _ = wire.split_url(self.route.base)
        tls = None
        if scheme == "https":
            import ssl  # only for an https route: start-up time

            if self.route.ca_bundle is None:
                raise FastPathError("no CA bundle recorded")
            tls = ssl.create_default_context(cafile=self.route.ca_bundle)
        default = 443 if scheme == "https" else 80
        return wire.Connection(host, port or default, TIMEOUT, tls)

    def list(self, prefix: str) -> list[RemoteObject]:
        """Every object under ``prefix``; FastPathError on anything but a clean answer. A
        listing of the same made ahead (``list_ahead``) is taken, once, instead of asking: its
        rows, or its failure (the caller then takes botocore's path, as after its own)."""
        from devkit.data.selection import RemoteObject

        ahead = _AHEAD.pop(_ahead_key(self.route, self.keys, prefix), None)
        if ahead is None:
            return self.rows(prefix, RemoteObject)
        if ahead.done is not None:
            ahead.done.wait()  # the thread sets it whatever happens; each socket wait is bounded
        self.requests += ahead.requests
        if ahead.rows is None:
            raise FastPathError(ahead.failed or "the listing made ahead failed")
        return [RemoteObject(*item) for item in ahead.rows]

    def rows(
        self,
        prefix: str,
        make: Callable[[str, int, str, str, str], Row],
        meanwhile: Callable[[], object] | None = None,
    ) -> builtins.list[Row]:
        """Every object under ``prefix`` as ``make(key, size, etag, last_modified,
        checksum_algorithm)``, in the listing's order; FastPathError as ``list``.
        ``meanwhile`` runs while the server prepares the first page (``wire``)."""
        found: builtins.list[Row] = []
        token: str | None = None
        path = wire.split_url(self.route.base)[3] or "/"
        try:
            connection = self._connection()
        except (OSError, ValueError) as exc:
            raise FastPathError(str(exc)) from None
        try:
            for _ in range(MAX_PAGES):
                query = {"list-type": "2", "prefix": prefix, "encoding-type": "url"}
                if token is not None:
                    query["continuation-token"] = token
                headers = sign("GET", self.route.base, query, self.route.region, self.keys)
                target = path + "?" + "&".join(f"{_uri(k)}={_uri(v)}" for k, v in query.items())
                response = connection.request("GET", target, headers, meanwhile)
                meanwhile = None
                body = response.read()
                self.requests += 1
                REQUESTS["ListObjectsV2"] = REQUESTS.get("ListObjectsV2", 0) + 1
                if response.status != 200:
                    raise FastPathError(f"ListObjectsV2 answered {response.status}")
                token = _parse_page(body, found, make)
                if token is None:
                    return found
        except (OSError, ValueError) as exc:  # wire.ProtocolError is an OSError
            raise FastPathError(str(exc)) from None
        except Exception as exc:  # a malformed page
            raise FastPathError(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
        raise FastPathError("too many pages")


def _parse_page(
    body: bytes, found: list[Row], make: Callable[[str, int, str, str, str], Row]
) -> str | None:
    """Append one page's objects to ``found``; the continuation token, None on the last page.

    Read with expat itself (ElementTree's module imports re: start-up time). Only what S3
    sends is accepted: a ``ListBucketResult`` in S3's namespace, no DOCTYPE (so no entities
    of its own); the fields are its children and its ``Contents``' children, first one wins."""
    import pyexpat

    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    ns = _NS[1:]
    depth = 0
    text: list[str] = []
    top: dict[str, str] = {}
    item: dict[str, str] = {}
    algorithms: list[str] = []
    items: list[tuple[dict[str, str], list[str]]] = []

    def doctype(*_: object) -> None:
        raise FastPathError("a listing with a DOCTYPE")

    def start(name: str, _attributes: object) -> None:
        nonlocal depth, item, algorithms
        depth += 1
        text.clear()
        if depth == 1 and name != ns + "ListBucketResult":
            raise FastPathError(f"unexpected answer {name}")
        if depth == 2 and name == ns + "Contents":
            item, algorithms = {}, []
            items.append((item, algorithms))

    def end(name: str) -> None:
        nonlocal depth
        value = "".join(text)
        text.clear()
        local = name[len(ns) :] if name.startswith(ns) else None
        if depth == 2 and local is not None and local != "Contents":
            top.setdefault(local, value)
        elif depth == 3 and local is not None and items and items[-1][0] is item:
            if local == "ChecksumAlgorithm":
                algorithms.append(value)
            else:
                item.setdefault(local, value)
        depth -= 1

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    parser.Parse(body, True)
    encoded = top.get("EncodingType", "") == "url"
    for fields, checksums in items:
        key, size = fields.get("Key"), fields.get("Size")
        if key is None or size is None:
            raise FastPathError("an entry without Key or Size")
        modified = fields.get("LastModified")
        found.append(
            make(
                wire.unquote_plus(key) if encoded else key,
                int(size),
                fields.get("ETag", ""),
                _iso(modified) if modified else "",
                ",".join(checksums),
            )
        )
    if top.get("IsTruncated", "false").strip() != "true":
        return None
    token = top.get("NextContinuationToken")
    if not token:
        raise FastPathError("a truncated page without a continuation token")
    return token


def _iso(text: str) -> str:
    """A listing's date as botocore gives it (a UTC ``datetime``'s ``isoformat()``); S3's own
    form, ``YYYY-MM-DDTHH:MM:SS.000Z``, without importing datetime."""
    if len(text) == 24 and text.endswith(".000Z") and text[10] == "T":
        return text[:19] + "+00:00"
    from datetime import datetime

    return datetime.fromisoformat(text).isoformat()


# Response headers the sync reads, under the names botocore gives them.
_META = {
    "etag": "ETag",
    "content-range": "ContentRange",
    "x-amz-checksum-crc32": "ChecksumCRC32",
    "x-amz-checksum-crc32c": "ChecksumCRC32C",
    "x-amz-checksum-crc64nvme": "ChecksumCRC64NVME",
    "x-amz-checksum-sha256": "ChecksumSHA256",
    "x-amz-checksum-sha1": "ChecksumSHA1",
    "x-amz-checksum-type": "ChecksumType",
    "x-amz-server-side-encryption": "ServerSideEncryption",
    "x-amz-server-side-encryption-customer-algorithm": "SSECustomerAlgorithm",
}


class Body:
    """A GetObject body: ``read(n)`` and ``close()`` like botocore's streaming body. Closing
    it before the end closes its connection (unread bytes would garble the next answer)."""

    def __init__(self, response: wire.Response, connection: wire.Connection, owner: Getter) -> None:
        self._response, self._connection, self._owner = response, connection, owner

    def read(self, amount: int | None = None) -> bytes:
        return self._response.read(amount)

    def readinto(self, buffer: memoryview) -> int:
        """Fill ``buffer`` from the body, as ``io.RawIOBase.readinto``: 0 at its end."""
        return self._response.readinto(buffer)

    def close(self) -> None:
        if not self._response.finished:
            self._owner.drop(self._connection)


class Getter:
    """GetObject over kept-alive connections (one per thread), signed with ``keys``."""

    def __init__(self, route: Route, keys: tuple[str, str, str | None]) -> None:
        import threading

        self.route, self.keys = route, keys
        self._local = threading.local()
        self._lister = Lister(route, keys)

    def drop(self, connection: Any) -> None:
        connection.close()
        if getattr(self._local, "connection", None) is connection:
            self._local.connection = None

    def _send(self, method: str, key: str, extra: dict[str, str]) -> tuple[Any, Any]:
        """(response, connection) of one signed request for ``key`` on this thread's
        connection; FastPathError when it could not be sent or answered."""
        url = self.route.base.rstrip("/") + "/" + wire.quote(key, safe="/~")
        headers = sign(method, url, {}, self.route.region, self.keys, extra=extra)
        connection = getattr(self._local, "connection", None)
        try:
            if connection is None:
                connection = self._local.connection = self._lister._connection()
            return connection.request(method, wire.split_url(url)[3], headers), connection
        except Exception as exc:  # OSError (wire.ProtocolError among them), ssl errors
            if connection is not None:
                self.drop(connection)
            raise FastPathError(f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    def _meta(response: Any, length: int | None) -> dict[str, Any]:
        meta: dict[str, Any] = {"ContentLength": length, "SdkValidated": None}
        for name, field in _META.items():
            value = response.getheader(name)
            if value is not None:
                meta[field] = value
        return meta

    def head(self, key: str) -> dict[str, Any]:
        """HeadObject with the whole object's checksum (``x-amz-checksum-mode``): its metadata,
        as botocore names it; FastPathError on anything but a 200 with a length."""
        response, connection = self._send("HEAD", key, {"x-amz-checksum-mode": "ENABLED"})
        try:
            response.read()  # a HEAD answer has no body: this only finishes it
        except Exception as exc:
            self.drop(connection)
            raise FastPathError(f"{type(exc).__name__}: {exc}") from None
        length = response.getheader("content-length")
        if response.status != 200 or length is None or not length.isdigit():
            self.drop(connection)
            raise FastPathError(f"HeadObject answered {response.status}")
        REQUESTS["HeadObject"] = REQUESTS.get("HeadObject", 0) + 1
        return self._meta(response, int(length))

    def get(
        self, key: str, first: int | None, last: int | None, etag: str | None
    ) -> tuple[Body, dict[str, Any]]:
        """(body, metadata) of a 200/206 answer; FastPathError on anything else, before a
        byte of the body is handed over."""
        extra = {"x-amz-checksum-mode": "ENABLED"}
        if first is not None:
            extra["range"] = f"bytes={first}-{'' if last is None else last}"
        if etag:
            extra["if-match"] = etag
        response, connection = self._send("GET", key, extra)
        if response.status not in (200, 206) or response.length is None:
            response.read()  # botocore asks again and says what went wrong
            self.drop(connection)
            raise FastPathError(f"GetObject answered {response.status}")
        REQUESTS["GetObject"] = REQUESTS.get("GetObject", 0) + 1
        return Body(response, connection, self), self._meta(response, response.length)
