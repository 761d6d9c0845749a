"""Generate a profile's declared tables: dependency order, foreign keys, nulls, in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from devkit.core.errors import ConfigError
from devkit.data import arrow
from devkit.data.synthetic.columns import GENERATORS, ColumnDraws, null_mask, with_nulls

Tables = Mapping[str, Mapping[str, Any]]


def table_order(tables: Tables) -> list[str]:
    """Tables sorted so every foreign key's target comes first (declaration order otherwise)."""
    deps: dict[str, set[str]] = {}
    for name, table in tables.items():
        refs = set()
        for column, spec in table.get("columns", {}).items():
            if spec.get("type") == "foreign_key":
                target = str(spec.get("references", "")).split(".")[0]
                if target not in tables:
                    raise ConfigError(
                        f"column {name}.{column} references unknown table '{target}'",
                        "name a table declared under data.synthetic.tables",
                    )
                if target != name:
                    refs.add(target)
        deps[name] = refs
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise ConfigError(
                f"foreign keys form a cycle through table '{name}'",
                "let one table of the cycle stand alone",
            )
        visiting.add(name)
        for dep in sorted(deps[name]):
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in tables:
        visit(name)
    return order


def referenced(tables: Tables) -> set[tuple[str, str]]:
    """The (table, column) pairs some foreign key points at: generated whole and kept."""
    out = set()
    for table in tables.values():
        for spec in table.get("columns", {}).values():
            if spec.get("type") == "foreign_key":
                target, _, column = str(spec.get("references", "")).partition(".")
                out.add((target, column))
    return out


class _Column:
    """One column's rows, handed out chunk by chunk: drawn as asked, or sliced from the whole
    column when it had to be made at once (unique values, a foreign key's target)."""

    def __init__(self, make: Callable[[int], Any], mask: Any, whole: Any = None) -> None:
        self.make, self.mask, self.whole, self.at = make, mask, whole, 0

    def take(self, n: int) -> Any:
        at, self.at = self.at, self.at + n
        if self.whole is not None:
            return self.whole.slice(at, n)
        mask = None if self.mask is None else self.mask[at : at + n]
        return with_nulls(self.make(n), mask)


class TableStream:
    """A declared table as a sequence of chunks; the chunks' concatenation does not depend on
    their sizes. Everything that can fail on the declaration fails here, before any chunk."""

    def __init__(
        self,
        name: str,
        table: Mapping[str, Any],
        seed: int,
        kept: Mapping[str, Mapping[str, Any]],
        keep: set[tuple[str, str]],
    ) -> None:
        pa = arrow.pa()

        self.name, self.rows, self.done = name, int(table.get("rows", 0)), 0
        self.columns: dict[str, _Column] = {}
        self.kept: dict[str, Any] = {}
        self.costs: dict[str, float] = {}
        fields = []
        for column, spec in table.get("columns", {}).items():
            draws = ColumnDraws(seed, name, column)
            nullable = float(spec.get("nullable", 0) or 0)
            make = self._maker(column, spec, draws, kept)
            # Checks the settings and gives the type; on streams of its own (a unique column
            # would draw a whole permutation even for no rows).
            empty = self._maker(column, spec, ColumnDraws(seed, name, column), kept)(0)
            mask = null_mask(nullable, self.rows, draws)
            whole = None
            if (name, column) in keep or (spec.get("type") == "int" and spec.get("unique")):
                whole = with_nulls(make(self.rows), mask)
                if (name, column) in keep:
                    self.kept[column] = whole
            self.columns[column] = _Column(make, mask, whole)
            self.costs[column] = 1.0 if whole is not None else _cost(spec)
            fields.append(pa.field(column, empty.type, nullable=nullable > 0))
        self.schema = pa.schema(fields)

    def _maker(
        self,
        column: str,
        spec: Mapping[str, Any],
        draws: ColumnDraws,
        kept: Mapping[str, Mapping[str, Any]],
    ) -> Callable[[int], Any]:
        name, kind = self.name, spec.get("type")
        if kind == "foreign_key":
            source = _foreign_source(name, column, spec, self.rows, {**kept, name: self.kept})
            if len(source) == 0:
                return lambda n: source
            return lambda n: arrow.take(source, draws("values").integers(0, len(source) - 1, n))
        generator = GENERATORS.get(str(kind))
        if generator is None:
            raise ConfigError(
                f"column {name}.{column} has unknown type '{kind}'",
                "use one of: " + ", ".join([*GENERATORS, "foreign_key"]),
            )

        def make(n: int) -> Any:
            try:
                return generator(spec, n, draws)
            except ValueError as exc:
                raise ConfigError(
                    f"column {name}.{column}: {exc}", "fix the column's settings in the profile"
                ) from None

        return make

    def next(self, n: int) -> Any:
        """The next ``n`` rows (fewer at the end) as one pyarrow Table."""
        pa = arrow.pa()

        n = max(0, min(n, self.rows - self.done))
        self.done += n
        arrays = [column.take(n) for column in self.columns.values()]
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def chunks(self, size: int) -> Iterator[Any]:
        """The remaining rows, ``size`` at a time (one empty chunk for a table of no rows)."""
        if self.rows == 0:
            yield self.next(0)
        while self.done < self.rows:
            yield self.next(size)

    def split(self, size: int, lanes: int) -> tuple[list[int], list[list[str]]]:
        """Hand the remaining rows out column-wise: the chunk sizes ``chunks(size)`` would give,
        and the columns in up to ``lanes`` groups of about equal work. Each group's chunks come
        from ``lane`` (on a thread of its own, if wanted) and ``assemble`` joins them. Each
        column is drawn by one lane, in order, from its own streams: the values do not depend
        on the grouping."""
        left = self.rows - self.done
        sizes = [0] if self.rows == 0 else [min(size, left - at) for at in range(0, left, size)]
        self.done = self.rows
        groups: list[list[str]] = [[] for _ in range(max(1, lanes))]
        loads = [0.0] * len(groups)
        for column, cost in sorted(self.costs.items(), key=lambda item: -item[1]):
            lightest = loads.index(min(loads))
            groups[lightest].append(column)
            loads[lightest] += cost
        return sizes, [group for group in groups if group] or [[]]

    def lane(self, columns: list[str], sizes: list[int]) -> Iterator[list[Any]]:
        """The arrays of ``columns``, chunk by chunk."""
        for n in sizes:
            yield [self.columns[column].take(n) for column in columns]

    def assemble(self, groups: list[list[str]], parts: tuple[list[Any], ...]) -> Any:
        """One chunk's Table from the lanes' arrays (``parts`` in the order of ``groups``)."""
        pa = arrow.pa()

        arrays: dict[str, Any] = {}
        for group, got in zip(groups, parts, strict=True):
            arrays.update(zip(group, got, strict=True))
        return pa.Table.from_arrays([arrays[c] for c in self.columns], schema=self.schema)


# Rough generation cost per row (ns, measured with bench/profile_synthetic.py), to share the
# columns out between threads; text costs this much per word.
COSTS = {"text": 25.0, "uuid": 50.0, "url": 300.0, "email": 250.0, "phone": 150.0}
COSTS.update(category=25.0, foreign_key=30.0)


def _cost(spec: Mapping[str, Any]) -> float:
    kind = str(spec.get("type"))
    if kind == "text":
        low, high = (float(w) for w in spec.get("words", (1, 8))[:2])
        return COSTS["text"] * (low + high) / 2 + 10.0
    return COSTS.get(kind, 8.0)


def _foreign_source(
    table: str,
    column: str,
    spec: Mapping[str, Any],
    rows: int,
    kept: Mapping[str, Mapping[str, Any]],
) -> Any:
    pa = arrow.pa()

    target, _, target_column = str(spec["references"]).partition(".")
    source = kept.get(target, {}).get(target_column)
    if source is None:
        raise ConfigError(
            f"column {table}.{column} references {spec['references']}, which is not declared"
            + (" before it" if target == table else ""),
            "reference an existing TABLE.COLUMN",
        )
    source = source.drop_null()
    if len(source) == 0:
        if rows:
            raise ConfigError(
                f"column {table}.{column} references {spec['references']}, which has no rows",
                "give the referenced table rows",
            )
        return pa.array([], source.type)
    return source


def streams(tables: Tables, seed: int) -> dict[str, TableStream]:
    """Every declared table as a stream, keyed by name, in declaration order. The tables are
    planned in dependency order, so a declaration error surfaces before anything is written."""
    keep = referenced(tables)
    kept: dict[str, Mapping[str, Any]] = {}
    done: dict[str, TableStream] = {}
    for name in table_order(tables):
        done[name] = TableStream(name, tables[name], seed, kept, keep)
        kept[name] = done[name].kept
    return {name: done[name] for name in tables}


def generate(tables: Tables, seed: int, chunk_rows: int | None = None) -> dict[str, Any]:
    """Every declared table, whole, keyed by name, in declaration order."""
    pa = arrow.pa()

    out = {}
    for name, stream in streams(tables, seed).items():
        parts = list(stream.chunks(chunk_rows or max(stream.rows, 1)))
        out[name] = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    return out
