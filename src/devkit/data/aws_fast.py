"""The AWS adapter's fast lane: one S3 listing without botocore, for the no-op sync.

A no-op sync is one LIST, and botocore costs more than that listing: importing it, loading the
S3 service model and building a client take a few hundred milliseconds before the first byte.
When the guard's cache (``devkit.data.guard_cache``) holds a verdict for this very caller, and
the verdict recorded how botocore reached the bucket (the listing's URL, the signing region, the
CA bundle, and that no proxy applied), ``Lister`` signs ListObjectsV2 requests itself (AWS
Signature Version 4, hashlib/hmac) and sends them with ``devkit.data.wire``. Anything else goes
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

import hashlib
import hmac
import os
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote_plus, urlsplit

from devkit.core.userdirs import switched_on
from devkit.data import wire
from devkit.data.selection import RemoteObject

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
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
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _uri(text: str) -> str:
    return quote(text, safe="-_.~")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


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
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme)
    if parts.port is not None and parts.port != default:
        host = f"{host}:{parts.port}"
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
            parts.path or "/",
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
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ]
    )
    key = _hmac(("AWS4" + secret).encode("utf-8"), day)
    for part in (region, "s3", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={signed}, "
        f"Signature={signature}"
    )
    return headers


@dataclass(frozen=True)
class Route:
    """How botocore reached the bucket's listing, recorded while it did (``S3.route``)."""

    base: str  # the listing's URL without its query: scheme://host[:port]/path
    region: str  # the signing region botocore used
    ca_bundle: str | None  # the CA bundle botocore verified TLS with (https)

    def to_json(self) -> dict[str, Any]:
        return {"base": self.base, "region": self.region, "ca_bundle": self.ca_bundle}

    @classmethod
    def from_json(cls, data: Any) -> Route | None:
        if not isinstance(data, dict):
            return None
        base, region, bundle = data.get("base"), data.get("region"), data.get("ca_bundle")
        if not isinstance(base, str) or not isinstance(region, str) or not region:
            return None
        if urlsplit(base).scheme not in ("http", "https"):
            return None
        if bundle is not None and not isinstance(bundle, str):
            return None
        return cls(base, region, bundle)


class Lister:
    """ListObjectsV2 over one kept-alive connection, signed with ``keys``."""

    def __init__(self, route: Route, keys: tuple[str, str, str | None]) -> None:
        self.route, self.keys, self.requests = route, keys, 0

    def _connection(self) -> wire.Connection:
        parts = urlsplit(self.route.base)
        host = parts.hostname or ""
        tls = None
        if parts.scheme == "https":
            import ssl  # only for an https route: start-up time

            if self.route.ca_bundle is None:
                raise FastPathError("no CA bundle recorded")
            tls = ssl.create_default_context(cafile=self.route.ca_bundle)
        default = 443 if parts.scheme == "https" else 80
        return wire.Connection(host, parts.port or default, TIMEOUT, tls)

    def list(self, prefix: str) -> list[RemoteObject]:
        """Every object under ``prefix``; FastPathError on anything but a clean answer."""
        found: list[RemoteObject] = []
        token: str | None = None
        path = urlsplit(self.route.base).path or "/"
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
                response = connection.request("GET", target, headers)
                body = response.read()
                self.requests += 1
                REQUESTS["ListObjectsV2"] = REQUESTS.get("ListObjectsV2", 0) + 1
                if response.status != 200:
                    raise FastPathError(f"ListObjectsV2 answered {response.status}")
                token = _parse_page(body, found)
                if token is None:
                    return found
        except (OSError, ValueError) as exc:  # wire.ProtocolError is an OSError
            raise FastPathError(str(exc)) from None
        except Exception as exc:  # a malformed page
            raise FastPathError(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
        raise FastPathError("too many pages")


def _parse_page(body: bytes, found: list[RemoteObject]) -> str | None:
    """Append one page's objects to ``found``; the continuation token, None on the last page."""
    from xml.etree import ElementTree

    root = ElementTree.fromstring(body)
    if root.tag != _NS + "ListBucketResult":
        raise FastPathError(f"unexpected answer {root.tag}")
    encoded = (root.findtext(_NS + "EncodingType") or "") == "url"
    for item in root.iterfind(_NS + "Contents"):
        key = item.findtext(_NS + "Key")
        size = item.findtext(_NS + "Size")
        if key is None or size is None:
            raise FastPathError("an entry without Key or Size")
        modified = item.findtext(_NS + "LastModified")
        found.append(
            RemoteObject(
                key=unquote_plus(key) if encoded else key,
                size=int(size),
                etag=item.findtext(_NS + "ETag") or "",
                last_modified=datetime.fromisoformat(modified).isoformat() if modified else "",
                checksum_algorithm=",".join(
                    a.text or "" for a in item.iterfind(_NS + "ChecksumAlgorithm")
                ),
            )
        )
    if (root.findtext(_NS + "IsTruncated") or "false").strip() != "true":
        return None
    token = root.findtext(_NS + "NextContinuationToken")
    if not token:
        raise FastPathError("a truncated page without a continuation token")
    return token


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
        url = self.route.base.rstrip("/") + "/" + quote(key, safe="/~")
        headers = sign(method, url, {}, self.route.region, self.keys, extra=extra)
        connection = getattr(self._local, "connection", None)
        try:
            if connection is None:
                connection = self._local.connection = self._lister._connection()
            return connection.request(method, urlsplit(url).path, headers), connection
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
