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
