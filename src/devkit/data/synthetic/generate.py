"""Generate a profile's declared tables: dependency order, foreign keys, nulls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devkit.data import arrow
from devkit.data.synthetic.columns import GENERATORS, ColumnDraws, apply_nulls
from devkit.errors import ConfigError

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


def generate_table(name: str, table: Mapping[str, Any], seed: int, done: Mapping[str, Any]) -> Any:
    pa = arrow.pa()

    rows = int(table.get("rows", 0))
    arrays: list[Any] = []
    fields: list[Any] = []
    for column, spec in table.get("columns", {}).items():
        draws = ColumnDraws(seed, name, column)
        kind = spec.get("type")
        if kind == "foreign_key":
            array = _foreign_key(name, column, spec, rows, draws, done, arrays, fields)
        elif kind in GENERATORS:
            try:
                array = GENERATORS[kind](spec, rows, draws)
            except ValueError as exc:
                raise ConfigError(
                    f"column {name}.{column}: {exc}", "fix the column's settings in the profile"
                ) from None
        else:
            raise ConfigError(
                f"column {name}.{column} has unknown type '{kind}'",
                "use one of: " + ", ".join([*GENERATORS, "foreign_key"]),
            )
        nullable = float(spec.get("nullable", 0) or 0)
        array = apply_nulls(array, nullable, draws)
        arrays.append(array)
        fields.append(pa.field(column, array.type, nullable=nullable > 0))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _foreign_key(
    table: str,
    column: str,
    spec: Mapping[str, Any],
    rows: int,
    draws: ColumnDraws,
    done: Mapping[str, Any],
    arrays: list[Any],
    fields: list[Any],
) -> Any:
    pa = arrow.pa()

    target, _, target_column = str(spec["references"]).partition(".")
    if target == table:
        names = [f.name for f in fields]
        source = arrays[names.index(target_column)] if target_column in names else None
    else:
        ref = done.get(target)
        source = (
            ref.column(target_column).combine_chunks()
            if ref is not None and target_column in ref.column_names
            else None
        )
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
    picks = draws("values").integers(0, len(source) - 1, rows)
    return source.take(pa.array(picks))


def generate(tables: Tables, seed: int) -> dict[str, Any]:
    """Every declared table, keyed by name, in declaration order."""
    done: dict[str, Any] = {}
    for name in table_order(tables):
        done[name] = generate_table(name, tables[name], seed, done)
    return {name: done[name] for name in tables}
