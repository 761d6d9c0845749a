"""`devkit data`: inspect local datasets."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "data"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(NAME, parents=[common], help="inspect local datasets")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    schema = actions.add_parser("schema", parents=[common], help="print a dataset's schema")
    schema.add_argument("path", nargs="?", metavar="PATH", help="dataset folder or file")
    schema.add_argument(
        "--declared", action="store_true", help="print the schema the profile declares instead"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from devkit.core.errors import ConfigError
    from devkit.data.schema import dataset_schema, declared_schema
    from devkit.terminal import out

    if getattr(args, "action", None) != "schema":
        raise ConfigError("no action given", "run 'devkit data schema [PATH]'")
    if args.declared or not args.path:
        from devkit.commands._shared import selected_profile, workspace

        ws = workspace(args, require_git=False)
        profile = selected_profile(args, ws)
        if profile.data is None:
            raise ConfigError(f"profile '{profile.name}' declares no data", "pass a PATH")
        if args.declared:
            schema = declared_schema(profile.data.tables)
        else:
            schema = dataset_schema(ws.root / profile.data.dest)
    else:
        schema = dataset_schema(Path(args.path))
    if args.json:
        out(json.dumps(schema, indent=2))
        return 0
    for line in render(schema):
        out(line)
    return 0


def render(schema: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if not schema["tables"]:
        return ["no .parquet, .csv or .jsonl files found"]
    for name, table in schema["tables"].items():
        lines.append(f"{name}  ({table['path']}, {table['format']}, {table['rows']} rows)")
        width = max((len(c["name"]) for c in table["columns"]), default=0)
        for column in table["columns"]:
            null = "  nullable" if column["nullable"] else ""
            lines.append(f"  {column['name']:<{width}}  {column['type']}{null}")
    return lines
