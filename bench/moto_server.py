"""moto's server for the benches, with changes that keep it from measuring itself.

None of them changes what a request may do (IAM enforcement included):

* moto re-reads and copies an object's whole body for every GetObject, ranged or not (its
  ``FakeKey.value``), under a per-object lock: each 16 MiB part of a 1 GiB object would cost a
  1 GiB copy, and every tool that downloads in ranges (devkit, aws, s5cmd, rclone) would be
  measured against that instead of against S3. Here the body is kept once as immutable bytes and
  each request slices it.
* Connections stay open between requests (HTTP/1.1 keep-alive), as S3 keeps them: werkzeug
  closes every connection after one answer (it sends ``Connection: close`` whatever the
  protocol version), which made every client open a new connection, and moto start a new
  thread, per request. Nagle's algorithm is off, as the answers would otherwise wait for the
  client's delayed ACK.
* moto's request dispatcher lists its own package folder once, not on every request.
* A ranged GetObject is answered with bytes kept from the first request for that range: moto
  copies every range out of the object again, into a fresh allocation of the range's size (page
  faults, then a copy, then the free). S3 does that work on its own machines; here it fell on
  the client's two cores, only for the tools that read in ranges (aws: 8 MiB parts, devkit: 16
  MiB, s5cmd: 50 MiB, rclone above 256 MiB), and not for a whole-object GET, which moto answers
  with the object's bytes as they are.

Run as ``python bench/moto_server.py -H 127.0.0.1 -p PORT`` (the arguments of moto.server).
"""

from __future__ import annotations

import selectors
import sys
import threading
from collections import OrderedDict
from types import SimpleNamespace
from typing import Any

from moto import backends
from moto.s3 import models
from moto.s3.responses import S3Response
from moto.server import main
from werkzeug import serving
from werkzeug.serving import WSGIRequestHandler

_original = models.FakeKey.value


_fill = threading.Lock()  # concurrent first reads would each copy the whole object


def _get(self: Any) -> bytes:
    cached = self.__dict__.get("_bench_value")
    if cached is None:
        with _fill:
            cached = self.__dict__.get("_bench_value")
            if cached is None:
                cached = _original.fget(self)
                self.__dict__["_bench_value"] = cached
    return cached  # type: ignore[no-any-return]


def _set(self: Any, new_value: bytes) -> None:
    self.__dict__.pop("_bench_value", None)
    _original.fset(self, new_value)
    if isinstance(new_value, bytes):
        self.__dict__["_bench_value"] = new_value  # kept from the upload: no first-read copy


# moto's request dispatcher asks which service packages moto has on every request, by listing
# its package folder and stat-ing each entry (~190 system calls) while it holds the one lock all
# requests share: a fixed cost per request, on the machine's two cores, that S3 does not put on
# its clients. The folder does not change while the server runs: it is listed once.
_modules = list(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _modules  # type: ignore[assignment]

models.FakeKey.value = property(_get, _set)  # type: ignore[method-assign,assignment]


# Ranged reads: each range's bytes are copied out of the object once, and kept (least recently
# used first out, beyond _RANGES_MAX bytes of slices). A range is keyed by the object's bytes
# (kept with it, so the key cannot name another object's) and its bounds. The objects an entry
# keeps are not counted: the benches seed their objects once and never replace them.
_RANGES_MAX = 6 << 30
_ranges: OrderedDict[tuple[int, int | None, int | None], tuple[bytes, bytes]] = OrderedDict()
_ranges_size = 0
_ranges_lock = threading.Lock()


class _Ranges:
    """An object's bytes as moto's range code sees them (``len``, one slice): the slice is kept."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, which: slice) -> bytes:
        global _ranges_size
        key = (id(self.data), which.start, which.stop)
        with _ranges_lock:
            kept = _ranges.get(key)
            if kept is not None and kept[0] is self.data:
                _ranges.move_to_end(key)
                return kept[1]
        piece = self.data[which]
        with _ranges_lock:
            if key not in _ranges:
                _ranges[key] = (self.data, piece)
                _ranges_size += len(piece)
            while _ranges_size > _RANGES_MAX and _ranges:
                _ranges_size -= len(_ranges.popitem(last=False)[1][1])
        return piece


def _handle_range_header(self: Any, request: Any, headers: Any, content: Any) -> Any:
    if request.method != "GET" or not isinstance(content, bytes):
        return _range(self, request, headers, content)
    status, headers, body = _range(self, request, headers, _Ranges(content))
    return status, headers, body.data if isinstance(body, _Ranges) else body


_range = S3Response._handle_range_header
S3Response._handle_range_header = _handle_range_header  # type: ignore[method-assign,assignment]


# Keep-alive. werkzeug ends every answer with "Connection: close", then drains whatever the
# client sent after its request (up to 10 ms of waiting): on a kept-alive connection that would
# swallow the client's next request. A request without a body (GET, HEAD: every request the
# benches time) has nothing to drain: its connection stays open and the drain is skipped. A
# request with a body (the seeding's uploads) is answered as before, and its connection closed.
class _Request(threading.local):
    bodiless = False  # also on a thread werkzeug never ran (a malformed request line)


_request = _Request()


def _bodiless(handler: Any) -> bool:
    length = handler.headers.get("Content-Length")
    return length in (None, "0") and "Transfer-Encoding" not in handler.headers


def _run_wsgi(self: Any) -> None:
    _request.bodiless = _bodiless(self)
    try:
        _wsgi(self)
    finally:
        _request.bodiless = False


def _send_header(self: Any, keyword: str, value: str) -> None:
    if keyword.lower() == "connection" and value.lower() == "close" and _request.bodiless:
        return  # http.server reads the next request on this connection
    _header(self, keyword, value)


class _NoDrain:
    def register(self, *_: Any) -> None:
        pass

    def select(self, timeout: float | None = None) -> list[Any]:
        return []

    def close(self) -> None:
        pass


def _selector() -> Any:
    return _NoDrain() if _request.bodiless else selectors.DefaultSelector()


_wsgi, _header = WSGIRequestHandler.run_wsgi, WSGIRequestHandler.send_header
WSGIRequestHandler.protocol_version = "HTTP/1.1"
# An answer's headers and body are separate writes: on a kept-alive connection Nagle's algorithm
# would hold the second until the client's delayed ACK (40 ms). S3 answers do not wait for that.
WSGIRequestHandler.disable_nagle_algorithm = True
WSGIRequestHandler.run_wsgi = _run_wsgi  # type: ignore[method-assign]
WSGIRequestHandler.send_header = _send_header  # type: ignore[method-assign]
serving.selectors = SimpleNamespace(  # type: ignore[assignment,attr-defined]
    DefaultSelector=_selector, EVENT_READ=selectors.EVENT_READ
)

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
