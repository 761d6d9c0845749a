"""The fast lane's pieces (devkit.data.aws_fast): its SigV4 signature is botocore's, its
listing parser reads what botocore reads, and its records refuse what they cannot honour."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from botocore import auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from devkit.data import aws_fast
from devkit.data.selection import RemoteObject

NOW = datetime.datetime(2026, 12, 2, 8, 30, 15, tzinfo=datetime.UTC)
NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


def botocore_headers(url: str, query: dict[str, str], keys: tuple[str, str, str | None],
                     monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:  # fmt: skip
    monkeypatch.setattr(auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    encoded = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query.items())
    request = AWSRequest(method="GET", url=url + "?" + encoded, headers={})
    request.headers["X-Amz-Content-SHA256"] = aws_fast.EMPTY_SHA256
    auth.S3SigV4Auth(Credentials(*keys), "s3", "eu-west-1").add_auth(request)
    return {k.lower(): v for k, v in request.headers.items()}


@pytest.mark.parametrize(
    ("url", "token"),
    [
        ("http://127.0.0.1:9000/acme-ml-dev-samples", "FQoG/session+token=="),
        ("https://acme-ml-dev-samples.s3.eu-west-1.amazonaws.com/", None),
        ("https://s3.eu-west-1.amazonaws.com:443/my.bucket", None),
    ],
)
def test_the_signature_is_botocores(url: str, token: str | None, monkeypatch: Any) -> None:
    keys = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    query = {
        "list-type": "2",
        "prefix": "data/ümlaut dir/a+b~c*",
        "encoding-type": "url",
        "continuation-token": "1/abc+def==",
    }
    ours = aws_fast.sign("GET", url, query, "eu-west-1", keys, NOW.timestamp())
    theirs = botocore_headers(url, query, keys, monkeypatch)
    assert ours["x-amz-date"] == theirs["x-amz-date"]
    assert ours["authorization"] == theirs["authorization"]
    assert ours.get("x-amz-security-token") == theirs.get("x-amz-security-token")


def test_an_object_request_is_signed_as_botocore_signs_it(monkeypatch: Any) -> None:
    """A key with spaces, plus signs and non-ASCII letters, and the headers a ranged,
    conditional GET with the checksum mode sends."""
    keys = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token")
    url = "http://127.0.0.1:9000/acme-ml-dev-samples/" + quote("data/ü b+c=(1).parquet", "/~")
    extra = {"range": "bytes=0-99", "if-match": '"abc"', "x-amz-checksum-mode": "ENABLED"}
    ours = aws_fast.sign("GET", url, {}, "eu-west-1", keys, NOW.timestamp(), extra)
    monkeypatch.setattr(auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="GET", url=url, headers=dict(extra))
    request.headers["X-Amz-Content-SHA256"] = aws_fast.EMPTY_SHA256
    auth.S3SigV4Auth(Credentials(*keys), "s3", "eu-west-1").add_auth(request)
    assert ours["authorization"] == request.headers["Authorization"]


def page(contents: str, truncated: str = "false", token: str = "", encoded: bool = True) -> bytes:
    extra = "<EncodingType>url</EncodingType>" if encoded else ""
    nxt = f"<NextContinuationToken>{token}</NextContinuationToken>" if token else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><ListBucketResult {NS}><Name>b</Name>'
        f"<Prefix>p/</Prefix>{extra}<IsTruncated>{truncated}</IsTruncated>{nxt}{contents}"
        "</ListBucketResult>"
    ).encode()


ENTRY = (
    "<Contents><Key>p/a%20b%2Bc.parquet</Key><LastModified>2026-12-02T08:05:12.000Z"
    "</LastModified><ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag>"
    "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>42</Size></Contents>"
)


def test_a_page_reads_as_botocore_reads_it() -> None:
    found: list[Any] = []
    assert aws_fast._parse_page(page(ENTRY), found, RemoteObject) is None
    (obj,) = found
    assert obj.key == "p/a b+c.parquet"  # url-decoded, as botocore decodes EncodingType=url
    assert obj.size == 42 and obj.etag == '"0123456789abcdef0123456789abcdef"'
    assert obj.last_modified == "2026-12-02T08:05:12+00:00"  # botocore's datetime.isoformat()
    assert obj.checksum_algorithm == "CRC32"
    found.clear()
    aws_fast._parse_page(page(ENTRY, encoded=False), found, RemoteObject)
    assert found[0].key == "p/a%20b%2Bc.parquet"  # not encoded: taken as it is


def test_a_truncated_page_gives_its_token_and_needs_one() -> None:
    assert aws_fast._parse_page(page(ENTRY, "true", "next+1"), [], RemoteObject) == "next+1"
    with pytest.raises(aws_fast.FastPathError):
        aws_fast._parse_page(page(ENTRY, "true"), [], RemoteObject)


@pytest.mark.parametrize(
    "body",
    [
        b"<Error><Code>AccessDenied</Code></Error>",
        page("<Contents><Key>p/x</Key></Contents>"),  # no Size
    ],
)
def test_an_answer_it_cannot_read_is_a_fast_path_error(body: bytes) -> None:
    with pytest.raises(aws_fast.FastPathError):
        aws_fast._parse_page(body, [], RemoteObject)


@pytest.mark.parametrize(
    "record",
    [
        None,
        "http://x",
        {"base": "ftp://h/b", "region": "eu-west-1", "ca_bundle": None},
        {"base": "http://h/b", "region": "", "ca_bundle": None},
        {"base": "http://h/b", "region": "eu-west-1", "ca_bundle": 3},
    ],
)
def test_a_route_record_it_cannot_honour_is_refused(record: Any) -> None:
    assert aws_fast.Route.from_json(record) is None


def test_https_without_a_recorded_ca_bundle_is_refused() -> None:
    route = aws_fast.Route("https://b.s3.eu-west-1.amazonaws.com/", "eu-west-1", None)
    with pytest.raises(aws_fast.FastPathError):
        aws_fast.Lister(route, ("k", "s", None)).list("p/")


def test_keys_only_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert aws_fast.env_keys() is None
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKID")
    assert aws_fast.env_keys() is None  # no secret: botocore's chain goes on elsewhere
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "tok")
    assert aws_fast.env_keys() == ("AKID", "secret", "tok")


@pytest.mark.parametrize(
    "change",
    ["https_proxy", "NO_PROXY", "AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "AWS_USE_FIPS_ENDPOINT"],
)
def test_connection_settings_change_the_fingerprint(
    change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(change, raising=False)
    before = aws_fast.fingerprint()
    monkeypatch.setenv(change, "x")
    assert aws_fast.fingerprint() != before


def test_the_aws_config_file_changes_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    before = aws_fast.fingerprint()
    config.write_text("[default]\nca_bundle = /etc/ssl/corp.pem\n")
    assert aws_fast.fingerprint() != before


def test_any_proxy_in_the_environment_keeps_the_fast_lane_off() -> None:
    """botocore chooses its proxy from the endpoint and ignores no_proxy per request, so a
    bucket host that no_proxy names may still be proxied: the fast lane never guesses."""
    from devkit.data.aws import _proxy_configured

    assert not _proxy_configured({"NO_PROXY": "team-bucket.s3.amazonaws.com", "PATH": "/bin"})
    assert not _proxy_configured({"https_proxy": "  "})
    for key in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "all_proxy"):
        assert _proxy_configured({key: "http://127.0.0.1:9", "NO_PROXY": "team-bucket"})


def test_a_listing_with_a_doctype_or_malformed_xml_is_a_fast_path_error() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]>'
        b"<ListBucketResult " + NS.encode() + b"><Name>&a;</Name></ListBucketResult>"
    )
    with pytest.raises(aws_fast.FastPathError, match="DOCTYPE"):
        aws_fast._parse_page(laughs, [], RemoteObject)
    for body in (page(ENTRY)[:-5], b""):
        with pytest.raises(Exception, match=r"no element found|unclosed"):  # list() wraps it
            aws_fast._parse_page(body, [], RemoteObject)


def test_fields_are_read_where_s3_puts_them_and_the_first_one_wins() -> None:
    entry = (
        "<Contents><Key>p/a</Key><Owner><ID>x</ID><Size>7</Size></Owner><Size>3</Size>"
        "<Size>9</Size><ChecksumAlgorithm>CRC32</ChecksumAlgorithm>"
        "<ChecksumAlgorithm>SHA256</ChecksumAlgorithm></Contents>"
        "<CommonPrefixes><Prefix>p/d/</Prefix></CommonPrefixes>"
    )
    found: list[Any] = []
    assert aws_fast._parse_page(page(entry + ENTRY), found, RemoteObject) is None
    first, second = found
    assert (first.key, first.size, first.etag, first.last_modified) == ("p/a", 3, "", "")
    assert first.checksum_algorithm == "CRC32,SHA256"
    assert second.key == "p/a b+c.parquet"


@pytest.mark.parametrize(
    "text",
    ["", "plain", "a b/c+d", "ünï/cödé ✓", "100%", "%zz%4", "~_.-", "a?b#c&d=e", "%E2%9C%93+x"],
)
def test_url_helpers_agree_with_urllib(text: str) -> None:
    from urllib.parse import unquote_plus

    from devkit.data import wire

    for safe in ("", "/", "/~"):
        assert wire.quote(text, safe) == quote(text, safe=safe)
    assert wire.unquote_plus(text) == unquote_plus(text)


@pytest.mark.parametrize(
    ("url", "parts"),
    [
        ("http://127.0.0.1:9000/b", ("http", "127.0.0.1", 9000, "/b")),
        ("HTTPS://B.s3.Amazonaws.com", ("https", "b.s3.amazonaws.com", None, "")),
        ("http://[::1]:80/b/k%20x", ("http", "::1", 80, "/b/k%20x")),
    ],
)
def test_a_url_is_split_as_urllib_splits_it(url: str, parts: tuple[Any, ...]) -> None:
    from urllib.parse import urlsplit

    from devkit.data import wire

    assert wire.split_url(url) == parts
    expected = urlsplit(url)
    assert (expected.scheme, expected.hostname, expected.port, expected.path) == parts


@pytest.mark.parametrize(
    "url", ["ftp://h/x", "http://u@h/x", "http://h/x?y", "http://h:99999/", "http://[::1/", "h/x"]
)
def test_a_url_the_fast_lane_does_not_send_to_is_refused(url: str) -> None:
    from devkit.data import wire

    with pytest.raises(ValueError):
        wire.split_url(url)


def test_session_keys_of_given_keys_do_not_import_botocore() -> None:
    """The sync's workers ask for the keys of an assumed role's session: no botocore import
    (seconds of import-lock contention across threads) for keys devkit already holds."""
    import subprocess
    import sys

    code = (
        "import sys; from devkit.data import aws; "
        "s = aws.session(aws_access_key_id='AK', aws_secret_access_key='SK', "
        "aws_session_token='T', region='eu-west-1'); "
        "print(aws.session_keys(s), 'botocore' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "('AK', 'SK', 'T') False"


class Listing:
    """A loopback server answering every GET with one listing page (``statuses``: the answers'
    codes, in turn, then 200), counting what it was asked."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        import http.server
        import threading

        served = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                served.asked += 1
                status = served.statuses.pop(0) if served.statuses else 200
                body = page(ENTRY) if status == 200 else b"<Error/>"
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.asked, self.statuses = 0, list(statuses or [])
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{self.server.server_port}/b"
        self.route = aws_fast.Route(base, "eu-west-1", None)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


KEYS = ("AKIAEXAMPLE", "secret", None)


@pytest.fixture
def listing(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(aws_fast, "_AHEAD", {})
    served = Listing()
    yield served
    served.close()


def test_a_listing_started_ahead_is_taken_once_by_the_next_listing_of_the_same(
    listing: Listing,
) -> None:
    aws_fast.list_ahead(listing.route, KEYS, "p/")
    lister = aws_fast.Lister(listing.route, KEYS)
    (obj,) = lister.list("p/")
    assert obj.key == "p/a b+c.parquet" and obj.checksum_algorithm == "CRC32"
    assert listing.asked == 1 and lister.requests == 1  # the one made ahead, counted here
    lister.list("p/")
    assert listing.asked == 2  # taken once: the next listing asks for itself


def test_a_listing_handed_over_is_taken_without_asking(listing: Listing) -> None:
    rows = [("p/x", 3, '"e"', "2026-12-02T08:05:12+00:00", "")]
    aws_fast.list_ahead(listing.route, KEYS, "p/", rows, 1)
    lister = aws_fast.Lister(listing.route, KEYS)
    assert lister.list("p/") == [RemoteObject("p/x", 3, '"e"', "2026-12-02T08:05:12+00:00", "")]
    assert listing.asked == 0 and lister.requests == 1


@pytest.mark.parametrize("other", ["prefix", "keys", "region", "bucket", "ca bundle"])
def test_a_listing_ahead_is_only_for_the_same_prefix_keys_and_route(
    listing: Listing, other: str
) -> None:
    rows = [("p/x", 3, '"e"', "", "")]
    base, region, bundle = listing.route.base, listing.route.region, listing.route.ca_bundle
    route = {
        "region": aws_fast.Route(base, "us-east-1", bundle),
        "bucket": aws_fast.Route(base[: -len("/b")] + "/other-bucket", region, bundle),
        "ca bundle": aws_fast.Route(base, region, "/etc/ssl/certs/other.pem"),
    }.get(other)
    aws_fast.list_ahead(
        route or listing.route,
        ("AKIAOTHER", "secret", None) if other == "keys" else KEYS,
        "p/other/" if other == "prefix" else "p/",
        rows,
        1,
    )
    (obj,) = aws_fast.Lister(listing.route, KEYS).list("p/")
    assert obj.key == "p/a b+c.parquet" and listing.asked == 1  # its own listing


def test_a_listing_ahead_that_failed_fails_its_taker_as_its_own_would_have(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The taker then goes to botocore's path (which retries and reports), as after a failure
    of its own: the fast lane is not asked twice (a dead route would wait out two timeouts)."""
    monkeypatch.setattr(aws_fast, "_AHEAD", {})
    served = Listing(statuses=[503])
    try:
        aws_fast.list_ahead(served.route, KEYS, "p/")
        lister = aws_fast.Lister(served.route, KEYS)
        with pytest.raises(aws_fast.FastPathError, match="503"):
            lister.list("p/")
        assert served.asked == 1 and lister.requests == 1
        (obj,) = lister.list("p/")  # taken once: the next listing asks for itself
        assert obj.key == "p/a b+c.parquet" and served.asked == 2
    finally:
        served.close()


def test_when_no_thread_can_start_nothing_is_handed_over(
    listing: Listing, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    def refused(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    with monkeypatch.context() as patched:
        patched.setattr(threading.Thread, "start", refused)
        with pytest.raises(RuntimeError):
            aws_fast.list_ahead(listing.route, KEYS, "p/")
    assert aws_fast._AHEAD == {}
    (obj,) = aws_fast.Lister(listing.route, KEYS).list("p/")  # not left waiting
    assert obj.key == "p/a b+c.parquet" and listing.asked == 1
