"""Byte-stable writers: Parquet with pinned options, CSV and JSON Lines formatted by devkit.

Parquet: no compression (codec output may change between library versions, and for this data
compressing costs more time than the smaller file saves), dictionary encoding only for columns of
few distinct values (Arrow's own encoder), statistics only where a reader can use them, fixed
row-group and page sizes, no embedded Arrow schema, and the footer's ``created_by`` replaced with
a fixed string, so the file does not vary with the pyarrow version that wrote it. Files are
written as a stream of row groups; the chunks are the row groups, so the bytes do not depend on
how the table was generated.
CSV/JSON Lines: every value is formatted here with Arrow's cast kernels (shortest round-trip
floats, ISO-8601 UTC timestamps), quoted and escaped by fixed rules.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from devkit.data import arrow

CREATED_BY = b"devkit synthetic (parquet format 2.6)"
ROW_GROUP_ROWS = 65_536
# Column types whose values repeat enough for dictionary encoding to pay: a few distinct values
# become small integer codes (run-length encoded), so the file is smaller and faster to write.
DICTIONARY_TYPES = ("category", "bool")
DICTIONARY_MAX_SPAN = 1 << 16
# Min/max statistics are kept for numbers and times, where a reader can use them to skip row
# groups; over strings (random text, ids) they cost more to compute than they are worth.
STATISTICS_TYPES = ("int", "float", "bool", "timestamp", "date")


Chunks = list[bytes | memoryview]


class Sink(Protocol):
    def write(self, data: Any, /) -> Any: ...


class TableWriter(Protocol):
    def write_table(self, table: Any) -> None: ...

    def close(self) -> None: ...


def open_writer(sink: Sink, schema: Any, fmt: str, columns: Mapping[str, Any]) -> TableWriter:
    """A writer of one file in ``fmt`` to ``sink``; feed it the table chunk by chunk, in order."""
    if fmt == "parquet":
        return ParquetStream(sink, schema, columns)
    if fmt == "csv":
        return LineStream(sink, schema, csv_chunks)
    if fmt == "jsonl":
        return LineStream(sink, schema, jsonl_chunks)
    raise ValueError(f"unknown format {fmt}")


def chunks(table: Any, fmt: str, columns: Mapping[str, Any] | None = None) -> Chunks:
    """The whole file's bytes for one table, as a few pieces (write them in order)."""
    out: Chunks = []
    writer = open_writer(_Collect(out), table.schema, fmt, columns or {})
    writer.write_table(table)
    writer.close()
    return out


def encode(table: Any, fmt: str, columns: Mapping[str, Any] | None = None) -> bytes:
    return b"".join(chunks(table, fmt, columns))


class _Collect:
    def __init__(self, out: Chunks) -> None:
        self.out = out

    def write(self, data: Any) -> int:
        self.out.append(bytes(data))
        return len(data)


def parquet_options(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The pinned writer settings; ``columns`` (the declaration) picks the per-column ones."""

    def dictionary(spec: Mapping[str, Any]) -> bool:
        kind = spec.get("type")
        if kind in DICTIONARY_TYPES:
            return True
        if kind == "int" and not spec.get("unique"):
            span = int(spec.get("max", 1_000_000)) - int(spec.get("min", 0)) + 1
            return span <= DICTIONARY_MAX_SPAN
        return False

    names = list(columns)
    return {
        "version": "2.6",
        "use_dictionary": [n for n in names if dictionary(columns[n])],
        "compression": "none",
        "write_statistics": [n for n in names if columns[n].get("type") in STATISTICS_TYPES],
        "data_page_size": 1 << 20,
        "data_page_version": "1.0",
        "store_schema": False,
        "write_page_index": False,
        "write_page_checksum": False,
    }


class ParquetStream:
    """Parquet written as it is made: row groups go straight to the sink; the footer is held back
    at ``close`` to pin its ``created_by`` (see ``_pin_created_by``)."""

    def __init__(self, sink: Sink, schema: Any, columns: Mapping[str, Any]) -> None:
        pq = arrow.pq()

        self._sink = sink
        self._held: list[bytes] | None = None
        self._writer = pq.ParquetWriter(self, schema, **parquet_options(columns))

    # The ParquetWriter's own file-like sink.
    closed = False

    def write(self, data: Any) -> int:
        if self._held is not None:
            self._held.append(bytes(data))
        else:
            self._sink.write(data)
        return len(data)

    def flush(self) -> None:
        pass

    def write_table(self, table: Any) -> None:
        self._writer.write_table(table, row_group_size=ROW_GROUP_ROWS)

    def close(self) -> None:
        self._held = []
        self._writer.close()
        for piece in _pin_created_by(memoryview(b"".join(self._held))):
            self._sink.write(piece)
        self._held = None


class LineStream:
    """CSV or JSON Lines: each chunk's lines follow the last; the header (CSV) comes once."""

    def __init__(self, sink: Sink, schema: Any, encode: Callable[[Any, bool], Chunks]) -> None:
        self._sink, self._encode, self._first, self._schema = sink, encode, True, schema

    def write_table(self, table: Any) -> None:
        for piece in self._encode(table, self._first):
            self._sink.write(piece)
        self._first = False

    def close(self) -> None:
        if self._first:  # no chunk came: an empty table still has its header
            self.write_table(arrow.pa().schema(self._schema).empty_table())


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _pin_created_by(data: memoryview) -> Chunks:
    """Swap the writer's version string in the Thrift footer for a fixed one.

    The footer is the last thing in the file (``<footer><len:u32 LE>PAR1``) and holds no offsets
    into itself, so replacing one length-prefixed string inside it only changes its length field.
    """
    pq = arrow.pq()

    (footer_len,) = struct.unpack("<I", data[-8:-4])
    start = len(data) - 8 - footer_len
    if start < 0:  # the footer did not all come at close: leave it as written
        return [data]
    footer = bytes(data[start:-8])
    created_by = pq.read_metadata(io.BytesIO(bytes(data[start:]))).created_by.encode("utf-8")
    old = _varint(len(created_by)) + created_by
    if footer.count(old) != 1:
        return [data]
    new_footer = footer.replace(old, _varint(len(CREATED_BY)) + CREATED_BY)
    return [data[:start], new_footer + struct.pack("<I", len(new_footer)) + b"PAR1"]


def _text_values(array: Any, quote: str) -> Any:
    """Each value formatted as text; strings quoted per ``quote`` ('csv' or 'json')."""
    pa = arrow.pa()
    pc = arrow.pc()

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    if pa.types.is_timestamp(kind):
        text = pc.strftime(array, format="%Y-%m-%dT%H:%M:%SZ")
        return pc.binary_join_element_wise('"', text, '"', "") if quote == "json" else text
    if pa.types.is_date(kind):
        text = pc.cast(array, pa.string())
        return pc.binary_join_element_wise('"', text, '"', "") if quote == "json" else text
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if quote == "json":
            text = array
            for old, new in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r")):
                text = pc.replace_substring(text, old, new)
            text = pc.replace_substring(text, "\t", "\\t")
        else:
            text = pc.replace_substring(array, '"', '""')
        return pc.binary_join_element_wise('"', text, '"', "")
    return pc.cast(array, pa.string())


def _content(lines: Any) -> memoryview:
    """The concatenated bytes of a string array (its data buffer), with no per-row Python."""
    import numpy as np

    if len(lines) == 0:
        return memoryview(b"")
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    data = lines.buffers()[2]
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


def csv_chunks(table: Any, header: bool = True) -> Chunks:
    """RFC 4180 CSV: header, strings always quoted, nulls as empty unquoted fields, LF endings."""
    pa = arrow.pa()
    pc = arrow.pc()

    head: Chunks = [(",".join(table.column_names) + "\n").encode("utf-8")] if header else []
    if table.num_rows == 0:
        return head
    parts: list[object] = []
    for i, name in enumerate(table.column_names):
        if i:
            parts.append(",")
        parts.append(pc.fill_null(_text_values(table.column(name), "csv"), ""))
    parts.append("\n")
    lines = pc.binary_join_element_wise(*parts, "").cast(pa.string())
    return [*head, _content(lines)]


def jsonl_chunks(table: Any, header: bool = True) -> Chunks:
    """One JSON object per line, keys in column order, ``null`` for missing values."""
    pa = arrow.pa()
    pc = arrow.pc()

    if table.num_rows == 0:
        return []
    parts: list[object] = []
    for i, name in enumerate(table.column_names):
        parts.append(("{" if i == 0 else ",") + f'"{name}":')
        parts.append(pc.fill_null(_text_values(table.column(name), "json"), "null"))
    parts.append("}\n")
    lines = pc.binary_join_element_wise(*parts, "").cast(pa.string())
    return [_content(lines)]
