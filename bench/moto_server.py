"""moto's server for the benches, with one patch that keeps it from measuring itself.

moto re-reads and copies an object's whole body for every GetObject, ranged or not (its
``FakeKey.value``), under a per-object lock: each 16 MiB part of a 1 GiB object would cost a
1 GiB copy, and every tool that downloads in ranges (devkit, aws, s5cmd, rclone) would be
measured against that instead of against S3. Here the body is kept once as immutable bytes and
each request slices it. And it keeps connections open (HTTP/1.1 keep-alive) as S3 does:
werkzeug's default, HTTP/1.0, makes every client open a new connection (and moto a new
thread) per request. Nothing else changes (IAM enforcement included).

Run as ``python bench/moto_server.py -H 127.0.0.1 -p PORT`` (the arguments of moto.server).
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from moto.s3 import models
from moto.server import main
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


models.FakeKey.value = property(_get, _set)  # type: ignore[method-assign,assignment]
WSGIRequestHandler.protocol_version = "HTTP/1.1"

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
