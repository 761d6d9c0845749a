"""Byte-stable writers: Parquet with pinned options, CSV and JSON Lines formatted by devkit.

Parquet: no compression (codec output may change between library versions), no dictionary,
fixed row-group and page sizes, no embedded Arrow schema, and the footer's ``created_by``
replaced with a fixed string, so the file does not vary with the pyarrow version that wrote it.
CSV/JSON Lines: every value is formatted here with Arrow's cast kernels (shortest round-trip
floats, ISO-8601 UTC timestamps), quoted and escaped by fixed rules.
"""

from __future__ import annotations

import io
import struct
from typing import Any

from devkit.data import arrow

CREATED_BY = b"devkit synthetic (parquet format 2.6)"
ROW_GROUP_ROWS = 65_536


Chunks = list[bytes | memoryview]


def chunks(table: Any, fmt: str) -> Chunks:
    """The file's bytes as a few zero-copy pieces (write them in order)."""
    if fmt == "parquet":
        return parquet_chunks(table)
    if fmt == "csv":
        return csv_chunks(table)
    if fmt == "jsonl":
        return jsonl_chunks(table)
    raise ValueError(f"unknown format {fmt}")


def encode(table: Any, fmt: str) -> bytes:
    return b"".join(chunks(table, fmt))


def parquet_chunks(table: Any) -> Chunks:
    pq = arrow.pq()

    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        row_group_size=ROW_GROUP_ROWS,
        version="2.6",
        use_dictionary=False,
        compression="none",
        write_statistics=True,
        data_page_size=1 << 20,
        data_page_version="1.0",
        store_schema=False,
        write_page_index=False,
        write_page_checksum=False,
    )
    return _pin_created_by(sink.getbuffer())


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


def csv_chunks(table: Any) -> Chunks:
    """RFC 4180 CSV: header, strings always quoted, nulls as empty unquoted fields, LF endings."""
    pa = arrow.pa()
    pc = arrow.pc()

    header = (",".join(table.column_names) + "\n").encode("utf-8")
    if table.num_rows == 0:
        return [header]
    parts: list[object] = []
    for i, name in enumerate(table.column_names):
        if i:
            parts.append(",")
        parts.append(pc.fill_null(_text_values(table.column(name), "csv"), ""))
    parts.append("\n")
    lines = pc.binary_join_element_wise(*parts, "").cast(pa.string())
    return [header, _content(lines)]


def jsonl_chunks(table: Any) -> Chunks:
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
