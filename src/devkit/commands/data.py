"""`devkit data`: inspect local datasets."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("data", parents=[common], help="inspect local datasets")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    schema = actions.add_parser("schema", parents=[common], help="print a dataset's schema")
    schema.add_argument("path", nargs="?", metavar="PATH", help="dataset folder or file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("data", "inspect the files with pyarrow until it lands")
