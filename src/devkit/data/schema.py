"""Dataset schemas: read from local files, or derived from a profile's declared tables.

Both give the same JSON-serialisable shape, so they compare with ``==``::

    {"tables": {"documents": {"path": "documents.parquet", "format": "parquet", "rows": 10000,
                "columns": [{"name": "id", "type": "string", "nullable": false}, ...]}}}

Types are logical (int, float, bool, string, timestamp, date), the same whatever the format.
Nullability: Parquet records it per column; CSV and JSON Lines cannot, so there a column is
nullable when it holds a null (synthetic nullable columns always hold at least one).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devkit.core.errors import ConfigError, RefusedError
from devkit.data import arrow
from devkit.data.selection import table_file
from devkit.data.synthetic.columns import category_array

FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "jsonl"}
STRING_TYPES = ("text", "uuid", "url", "email", "phone")


def table_name(rel: str) -> str:
    return rel.rsplit(".", 1)[0]


def logical_type(kind: Any) -> str:
    pa = arrow.pa()

    if pa.types.is_integer(kind):
        return "int"
    if pa.types.is_floating(kind):
        return "float"
    if pa.types.is_boolean(kind):
        return "bool"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "string"
    if pa.types.is_timestamp(kind):
        return "timestamp"
    if pa.types.is_date(kind):
        return "date"
    return str(kind)


def dataset_files(path: Path) -> list[tuple[str, Path]]:
    """(relative path, file) of every data file under ``path`` (or ``path`` itself), sorted."""
    if path.is_file():
        return [(path.name, path)]
    found = []
    for file in sorted(path.rglob("*")):
        rel = file.relative_to(path).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        if file.suffix in FORMATS and file.is_symlink():
            # The folder may come from a clone: devkit never reads (or writes) through a link in
            # a dataset, whose target could be any file on the machine.
            raise RefusedError(
                f"{file} is a symlink in the dataset; devkit does not read through it",
                "replace it with the file itself (or remove it) and run again",
            )
        if file.is_file() and file.suffix in FORMATS:
            found.append((rel, file))
    return found


def file_schema(file: Path) -> dict[str, Any]:
    """Format, row count and columns of one data file."""
    fmt = FORMATS.get(file.suffix)
    if fmt is None:
        raise ConfigError(f"{file} is not a dataset file", "use .parquet, .csv or .jsonl files")
    try:
        if fmt == "parquet":
            pq = arrow.pq()

            meta = pq.ParquetFile(file)
            schema = meta.schema_arrow
            columns = [
                {"name": f.name, "type": logical_type(f.type), "nullable": bool(f.nullable)}
                for f in schema
            ]
            return {"format": fmt, "rows": int(meta.metadata.num_rows), "columns": columns}
        table = _read_text(file, fmt)
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise ConfigError(
            f"cannot read {file}: {exc}", "check that the file is complete and well-formed"
        ) from None
    columns = [
        {"name": name, "type": _text_column_type(table.column(name), fmt), "nullable": n > 0}
        for name, n in ((c, table.column(c).null_count) for c in table.column_names)
    ]
    return {"format": fmt, "rows": table.num_rows, "columns": columns}


def _read_text(file: Path, fmt: str) -> Any:
    if fmt == "csv":
        pcsv = arrow.pcsv()

        return pcsv.read_csv(file, convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
    pj = arrow.pjson()

    return pj.read_json(file)


def _text_column_type(column: Any, fmt: str) -> str:
    """Logical type of a CSV/JSON column, undoing what text inference cannot see."""
    pa = arrow.pa()
    pc = arrow.pc()

    kind = column.type
    if fmt == "jsonl" and pa.types.is_timestamp(kind) and kind.unit == "s":
        # JSON inference reads "YYYY-MM-DD" as a timestamp: all midnights means a date column.
        seconds = pc.cast(column, pa.int64()).drop_null().to_numpy()
        return "date" if len(seconds) and bool((seconds % 86_400 == 0).all()) else "timestamp"
    if fmt == "jsonl" and logical_type(kind) == "string" and column.null_count < len(column):
        try:
            pc.cast(column.drop_null(), pa.timestamp("us", tz="UTC"))
            return "timestamp"
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    if pa.types.is_null(kind):
        return "null"
    return logical_type(kind)


def dataset_schema(path: Path | str) -> dict[str, Any]:
    """The schema of a local dataset (a folder of data files, or one file), stable ordering."""
    root = Path(path)
    if not root.exists():
        raise ConfigError(f"{root} does not exist", "sync the data first: devkit sync-data")
    tables: dict[str, Any] = {}
    for rel, file in dataset_files(root):
        tables[table_name(rel)] = {"path": rel, **file_schema(file)}
    return {"tables": tables}


def declared_schema(tables: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The schema a profile's ``data.synthetic.tables`` declares, in ``dataset_schema``'s shape."""
    out: dict[str, Any] = {}
    for name in sorted(tables, key=lambda n: table_name(table_file(n, tables[n]))):
        table = tables[name]
        rel = table_file(name, table)
        columns = [
            {
                "name": column,
                "type": _declared_type(tables, name, column),
                "nullable": float(spec.get("nullable", 0) or 0) > 0,
            }
            for column, spec in table.get("columns", {}).items()
        ]
        out[table_name(rel)] = {
            "path": rel,
            "format": str(table.get("format", "parquet")),
            "rows": int(table.get("rows", 0)),
            "columns": columns,
        }
    return {"tables": out}


def _declared_type(
    tables: Mapping[str, Mapping[str, Any]], table: str, column: str, depth: int = 0
) -> str:
    spec = tables[table]["columns"][column]
    kind = spec.get("type")
    if kind in STRING_TYPES:
        return "string"
    if kind in ("int", "float", "bool", "timestamp", "date"):
        return str(kind)
    if kind == "category":
        return logical_type(category_array(list(spec.get("values", []))).type)
    if kind == "foreign_key" and depth < 16:
        target, _, target_column = str(spec.get("references", "")).partition(".")
        if target in tables and target_column in tables[target].get("columns", {}):
            return _declared_type(tables, target, target_column, depth + 1)
    raise ConfigError(
        f"column {table}.{column} has type '{kind}' that devkit cannot map",
        "use a type listed by 'devkit profiles' documentation",
    )
