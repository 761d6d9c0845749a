"""One vectorised generator per synthetic column type; each returns a pyarrow Array.

No Python loop runs per row: values come from numpy arrays of raw PCG64 bits and strings are
assembled with pyarrow compute kernels. Contact-like values use reserved names only: domains
example.com/.org/.net and .test (RFC 2606), phone numbers 555-0100…555-0199 (fictional range).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from devkit.data import arrow
from devkit.data.synthetic.rand import Draw
from devkit.data.synthetic.vocabulary import WORDS

EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.test")
URL_HOSTS = ("www", "docs", "shop", "blog", "api", "news")
URL_DOMAINS = ("example.com", "example.org", "example.net", "site.test")
DEFAULT_START = datetime(2025, 1, 1, tzinfo=UTC)
DEFAULT_END = datetime(2026, 1, 1, tzinfo=UTC)

Spec = Mapping[str, Any]
Generator = Callable[[Spec, int, "ColumnDraws"], Any]


class ColumnDraws:
    """The random streams of one column: ``draws("values")`` is independent of ``draws("len")``.

    A stream continues where the last call left it, so calling a generator for 3 rows and then
    for 5 gives the same 8 rows as one call for 8 (every generator draws per row, in order)."""

    def __init__(self, seed: int, table: str, column: str) -> None:
        self.seed, self.table, self.column = seed, table, column
        self._streams: dict[str, Draw] = {}

    def __call__(self, purpose: str) -> Draw:
        stream = self._streams.get(purpose)
        if stream is None:
            stream = self._streams[purpose] = Draw(self.seed, self.table, self.column, purpose)
        return stream


def _pick(choices: tuple[str, ...], draw: Draw, n: int) -> Any:
    pa = arrow.pa()

    return arrow.take(pa.array(choices, pa.string()), draw.integers(0, len(choices) - 1, n))


def _words(draw: Draw, n: int) -> Any:
    return _pick(WORDS, draw, n)


def _digits(values: Any, width: int = 0) -> Any:
    pa = arrow.pa()
    pc = arrow.pc()

    text = pc.cast(arrow.from_numpy(values, pa.int64()), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def _join(*parts: Any) -> Any:
    pc = arrow.pc()

    return pc.binary_join_element_wise(*parts, "")


def gen_int(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    import numpy as np

    pa = arrow.pa()

    low, high = int(spec.get("min", 0)), int(spec.get("max", 1_000_000))
    if not spec.get("unique"):
        return arrow.from_numpy(draws("values").integers(low, high, n), pa.int64())
    span = high - low + 1
    if n > span:
        raise ValueError(f"{n} unique values do not fit in [{low}, {high}]")
    if n == 0:
        return pa.array([], pa.int64())
    if span <= max(16 * n, 1 << 20):
        order = draws("values").permutation_keys(span)[:n]
        return arrow.from_numpy(order + np.int64(low), pa.int64())
    found = np.zeros(0, dtype=np.int64)
    draw, rounds = draws("values"), 0
    while len(found) < n:  # a few rounds at most: the span is at least 16x the row count
        batch = np.concatenate([found, draw.integers(low, high, n - len(found) + 64)])
        _, first = np.unique(batch, return_index=True)
        found = batch[np.sort(first)]
        rounds += 1
    return arrow.from_numpy(found[:n], pa.int64())


def gen_float(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    import numpy as np

    pa = arrow.pa()

    kind = spec.get("distribution", "uniform")
    low, high = spec.get("min"), spec.get("max")
    if kind == "uniform":
        lo = float(low if low is not None else 0.0)
        hi = float(high if high is not None else 1.0)
        values = lo + draws("values").uniform(n) * (hi - lo)
    else:
        z = draws("values").standard_normal(n)
        values = float(spec.get("mean", 0.0)) + float(spec.get("std", 1.0)) * z
        if kind == "lognormal":
            values = np.exp(values)
        if low is not None or high is not None:
            values = np.clip(values, low, high)
    decimals = spec.get("decimals")
    if decimals is not None:
        values = np.round(values, int(decimals))
    return arrow.from_numpy(values, pa.float64())


def gen_bool(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    pa = arrow.pa()

    import numpy as np

    truth = draws("values").uniform(n) < float(spec.get("true_fraction", 0.5))
    bits = pa.py_buffer(np.packbits(truth, bitorder="little"))
    return pa.Array.from_buffers(pa.bool_(), n, [None, bits])


def gen_category(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    import numpy as np

    values = list(spec["values"])
    weights = np.asarray(spec.get("weights") or [1.0] * len(values), dtype=np.float64)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    u = draws("values").uniform(n)
    if len(values) <= 8:  # a few comparisons beat a binary search per row
        index = np.zeros(n, dtype=np.int64)
        for edge in cumulative[:-1]:
            index += u >= edge
    else:
        index = np.minimum(np.searchsorted(cumulative, u, side="right"), len(values) - 1)
    return arrow.take(category_array(values), index)


def category_array(values: list[Any]) -> Any:
    """The category's values as one typed array: ints, floats, bools, or else strings."""
    pa = arrow.pa()

    if all(isinstance(v, bool) for v in values):
        return pa.array(values, pa.bool_())
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.array(values, pa.int64())
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.array([float(v) for v in values], pa.float64())
    return pa.array([str(v) for v in values], pa.string())


@cache
def _vocabulary() -> Any:
    """Each word followed by a space, then each word alone: a row's words are the spaced forms,
    its last word the bare one, so one ``take`` lays out every row's text end to end."""
    pa = arrow.pa()

    return pa.array([f"{w} " for w in WORDS] + list(WORDS), pa.string())


def gen_text(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    import numpy as np

    pa = arrow.pa()

    low, high = (int(w) for w in spec.get("words", (1, 8))[:2])
    counts = draws("len").integers(low, high, n)
    ends = np.cumsum(counts)  # word offsets of each row's end
    picks = draws("values").integers(0, len(WORDS) - 1, int(ends[-1]) if n else 0)
    picks[ends[counts > 0] - 1] += len(WORDS)  # the last word of a row: no trailing space
    words = arrow.take(_vocabulary(), picks)
    if len(words) == 0:
        return pa.array([""] * n, pa.string())
    byte_ends = np.frombuffer(words.buffers()[1], dtype=np.int32)[: len(words) + 1]
    offsets = np.zeros(n + 1, dtype=np.int32)
    offsets[1:] = byte_ends[ends]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), words.buffers()[2])


def _epoch_us(value: Any, default: datetime) -> int:
    if value is None:
        value = default
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
    elif isinstance(value, date):
        stamp = datetime(value.year, value.month, value.day, tzinfo=UTC)
    else:
        raise ValueError(f"'{value}' is not a date")
    delta = stamp - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def gen_timestamp(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    pa = arrow.pa()

    start = _epoch_us(spec.get("start"), DEFAULT_START)
    end = max(_epoch_us(spec.get("end"), DEFAULT_END), start + 1)
    micros = draws("values").integers(start, end - 1, n)
    return arrow.from_numpy(micros, pa.timestamp("us", tz="UTC"))


def gen_date(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    pa = arrow.pa()

    start = _epoch_us(spec.get("start"), DEFAULT_START) // 86_400_000_000
    end = max(_epoch_us(spec.get("end"), DEFAULT_END) // 86_400_000_000, start + 1)
    days = draws("values").integers(start, end - 1, n).astype("int32")
    return arrow.from_numpy(days, pa.date32())


@cache
def _uuid_words() -> tuple[Any, ...]:
    """Lookup tables from two bytes of a UUID (a little-endian uint16) to one 4-byte word of its
    text: both bytes' hex digits, or the words that straddle a dash (and set the version and
    variant bits: the third group starts with 4, the fourth with 8, 9, a or b)."""
    import numpy as np

    v = np.arange(1 << 16, dtype=np.uint32)
    lo, hi = v & 0xFF, v >> 8
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8).astype(np.uint32)
    dash, four = np.full_like(v, ord("-")), np.full_like(v, ord("4"))

    def word(*chars: Any) -> Any:
        out = np.zeros(1 << 16, dtype=np.uint32)
        for k, char in enumerate(chars):
            out |= char << np.uint32(8 * k)
        return out

    return (
        word(digits[lo >> 4], digits[lo & 15], digits[hi >> 4], digits[hi & 15]),
        word(dash, digits[lo >> 4], digits[lo & 15], digits[hi >> 4]),  # "-" b4 b4 b5
        word(digits[lo & 15], dash, four, digits[hi & 15]),  # b5 "-" "4" b6
        word(digits[lo >> 4], digits[lo & 15], dash, digits[8 | ((hi >> 4) & 3)]),  # b7 b7 "-" b8
        word(digits[lo & 15], digits[hi >> 4], digits[hi & 15], dash),  # b8 b9 b9 "-"
    )


def gen_uuid(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    """Version-4 UUIDs in canonical lowercase form: 16 random bytes a row, whose 36 characters
    are 9 words of 4, each one table lookup by two of the bytes (no per-byte or per-row work)."""
    import numpy as np

    pa = arrow.pa()
    if n == 0:
        return pa.array([], pa.string())
    pair, w2, w3, w4, w5 = _uuid_words()
    raw = draws("values").raw(2 * n)
    even = raw.view("<u2").reshape(n, 8)  # bytes (0,1), (2,3), ... of each row
    odd = np.frombuffer(raw.data, dtype="<u2", count=8 * n - 1, offset=1)  # (1,2), (3,4), ...
    text = np.empty((n, 9), dtype=np.uint32)
    words = (
        (pair, even[:, 0]),
        (pair, even[:, 1]),
        (w2, even[:, 2]),
        (w3, odd[2::8]),
        (w4, odd[3::8]),
        (w5, even[:, 4]),
        (pair, even[:, 5]),
        (pair, even[:, 6]),
        (pair, even[:, 7]),
    )
    for column, (table, index) in enumerate(words):
        np.take(table, index, out=text[:, column], mode="wrap")
    offsets = pa.py_buffer(np.arange(0, 36 * (n + 1), 36, dtype=np.int32))
    return pa.StringArray.from_buffers(n, offsets, pa.py_buffer(text))


def gen_url(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    host = _pick(URL_HOSTS, draws("host"), n)
    domain = _pick(URL_DOMAINS, draws("domain"), n)
    section, slug = _words(draws("section"), n), _words(draws("slug"), n)
    number = _digits(draws("id").integers(1, 99_999, n))
    return _join("https://", host, ".", domain, "/", section, "/", slug, "-", number)


def gen_email(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    first, second = _words(draws("first"), n), _words(draws("second"), n)
    number = _digits(draws("id").integers(1, 999, n))
    domain = _pick(EMAIL_DOMAINS, draws("domain"), n)
    return _join(first, ".", second, number, "@", domain)


def gen_phone(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    """+1 NNN-555-01XX: the 555-0100…0199 block is reserved for fiction."""
    area = _digits(draws("area").integers(201, 989, n))
    line = _digits(draws("line").integers(0, 99, n), 2)
    return _join("+1-", area, "-555-01", line)


GENERATORS: dict[str, Generator] = {
    "int": gen_int,
    "float": gen_float,
    "bool": gen_bool,
    "category": gen_category,
    "text": gen_text,
    "timestamp": gen_timestamp,
    "date": gen_date,
    "uuid": gen_uuid,
    "url": gen_url,
    "email": gen_email,
    "phone": gen_phone,
}


def null_mask(fraction: float, n: int, draws: ColumnDraws) -> Any:
    """Which rows are null: about ``fraction`` of them, and at least one when the fraction is
    above zero, so a nullable column is visibly nullable in any format (CSV and JSON Lines
    declare nothing). ``None`` when no row is. Drawn for the whole column up front."""
    import numpy as np

    if fraction <= 0 or n == 0:
        return None
    mask = np.empty(n, dtype=np.bool_)
    low, at, step = 2.0, 0, 1 << 20
    for start in range(0, n, step):  # in blocks: a few MB at a time, however long the column
        u = draws("nulls").uniform(min(step, n - start))
        np.less(u, fraction, out=mask[start : start + len(u)])
        i = int(np.argmin(u))
        if u[i] < low:
            low, at = float(u[i]), start + i
    if not mask.any():
        mask[at] = True
    return mask


def with_nulls(array: Any, mask: Any) -> Any:
    """``array`` with the rows where ``mask`` is true made null (the mask's validity bitmap)."""
    import numpy as np

    pa = arrow.pa()

    if mask is None or not mask.any():
        return array
    if array.offset or array.null_count:
        return arrow.pc().if_else(pa.array(mask), pa.scalar(None, array.type), array)
    valid = pa.py_buffer(np.packbits(~mask, bitorder="little"))
    buffers = [valid, *array.buffers()[1:]]
    return pa.Array.from_buffers(array.type, len(array), buffers, null_count=int(mask.sum()))
