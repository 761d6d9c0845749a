"""`devkit hooks`: install devkit's git hooks (pre-push parity check)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "hooks", parents=[common], help="install devkit's git hooks (pre-push parity check)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    actions.add_parser("install", parents=[common], help="install the pre-push hook")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("hooks", "run 'devkit check' by hand before pushing until it lands")
