"""One vectorised generator per synthetic column type; each returns a pyarrow Array.

No Python loop runs per row: values come from numpy arrays of raw PCG64 bits and strings are
assembled with pyarrow compute kernels. Contact-like values use reserved names only: domains
example.com/.org/.net and .test (RFC 2606), phone numbers 555-0100…555-0199 (fictional range).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
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
    """The random streams of one column: ``draws("values")`` is independent of ``draws("len")``."""

    def __init__(self, seed: int, table: str, column: str) -> None:
        self.seed, self.table, self.column = seed, table, column

    def __call__(self, purpose: str) -> Draw:
        return Draw(self.seed, self.table, self.column, purpose)


def _pick(choices: tuple[str, ...], draw: Draw, n: int) -> Any:
    pa = arrow.pa()

    return pa.array(choices, pa.string()).take(pa.array(draw.integers(0, len(choices) - 1, n)))


def _words(draw: Draw, n: int) -> Any:
    return _pick(WORDS, draw, n)


def _digits(values: Any, width: int = 0) -> Any:
    pa = arrow.pa()
    pc = arrow.pc()

    text = pc.cast(pa.array(values), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def _join(*parts: Any) -> Any:
    pc = arrow.pc()

    return pc.binary_join_element_wise(*parts, "")


def gen_int(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    import numpy as np

    pa = arrow.pa()

    low, high = int(spec.get("min", 0)), int(spec.get("max", 1_000_000))
    if not spec.get("unique"):
        return pa.array(draws("values").integers(low, high, n), pa.int64())
    span = high - low + 1
    if n > span:
        raise ValueError(f"{n} unique values do not fit in [{low}, {high}]")
    if span <= max(16 * n, 1 << 20):
        order = draws("values").permutation_keys(span)[:n]
        return pa.array(order + np.int64(low), pa.int64())
    found = np.zeros(0, dtype=np.int64)
    draw, rounds = draws("values"), 0
    while len(found) < n:  # a few rounds at most: the span is at least 16x the row count
        batch = np.concatenate([found, draw.integers(low, high, n - len(found) + 64)])
        _, first = np.unique(batch, return_index=True)
        found = batch[np.sort(first)]
        rounds += 1
    return pa.array(found[:n], pa.int64())


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
    return pa.array(values, pa.float64())


def gen_bool(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    pa = arrow.pa()

    return pa.array(draws("values").uniform(n) < float(spec.get("true_fraction", 0.5)), pa.bool_())


def gen_category(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    import numpy as np

    pa = arrow.pa()

    values = list(spec["values"])
    weights = np.asarray(spec.get("weights") or [1.0] * len(values), dtype=np.float64)
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    index = np.searchsorted(cumulative, draws("values").uniform(n), side="right")
    return category_array(values).take(pa.array(np.minimum(index, len(values) - 1)))


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


def gen_text(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    import numpy as np

    pa = arrow.pa()
    pc = arrow.pc()

    low, high = (int(w) for w in spec.get("words", (1, 8))[:2])
    counts = draws("len").integers(low, high, n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    words = _words(draws("values"), int(offsets[-1]))
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), words)
    return pc.binary_join(lists, " ").cast(pa.string())


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
    return pa.array(micros, pa.timestamp("us", tz="UTC"))


def gen_date(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    pa = arrow.pa()

    start = _epoch_us(spec.get("start"), DEFAULT_START) // 86_400_000_000
    end = max(_epoch_us(spec.get("end"), DEFAULT_END) // 86_400_000_000, start + 1)
    days = draws("values").integers(start, end - 1, n).astype("int32")
    return pa.array(days, pa.date32())


def _hex_pairs() -> Any:
    """For each byte value, its two lowercase hex digits as one 2-byte cell."""
    import numpy as np

    return np.frombuffer(b"".join(f"{i:02x}".encode() for i in range(256)), dtype=np.uint16)


def gen_uuid(spec: Spec, n: int, draws: ColumnDraws) -> Any:
    """Version-4 UUIDs in canonical lowercase form."""
    import numpy as np

    pa = arrow.pa()
    raw = draws("values").raw(2 * n).astype(">u8").view(np.uint8).reshape(n, 16)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexed = _hex_pairs()[raw].view(np.uint8).reshape(n, 32)
    text = np.empty((n, 36), dtype=np.uint8)
    text[:, [8, 13, 18, 23]] = ord("-")
    for dst, src, width in ((0, 0, 8), (9, 8, 4), (14, 12, 4), (19, 16, 4), (24, 20, 12)):
        text[:, dst : dst + width] = hexed[:, src : src + width]
    offsets = pa.array(np.arange(0, 36 * (n + 1), 36, dtype=np.int32))
    return pa.StringArray.from_buffers(n, offsets.buffers()[1], pa.py_buffer(text))


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


def apply_nulls(array: Any, fraction: float, draws: ColumnDraws) -> Any:
    """Null out about ``fraction`` of the rows; at least one when the fraction is above zero,
    so a nullable column is visibly nullable in any format (CSV and JSON Lines declare nothing)."""
    import numpy as np

    pa = arrow.pa()
    pc = arrow.pc()

    n = len(array)
    if fraction <= 0 or n == 0:
        return array
    u = draws("nulls").uniform(n)
    mask = u < fraction
    if not mask.any():
        mask[int(np.argmin(u))] = True
    return pc.if_else(pa.array(mask), pa.scalar(None, array.type), array)
