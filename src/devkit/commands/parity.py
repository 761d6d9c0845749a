"""`devkit parity`: snapshot a parity reference or diff two fingerprints."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "parity", parents=[common], help="snapshot a parity reference or diff two fingerprints"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    snap = actions.add_parser(
        "snapshot", parents=[common], help="write this environment's fingerprint"
    )
    snap.add_argument("--out", metavar="FILE|s3://BUCKET/KEY", required=True)
    diff = actions.add_parser("diff", parents=[common], help="compare two fingerprints")
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("parity", "compare the environments by hand until it lands")
