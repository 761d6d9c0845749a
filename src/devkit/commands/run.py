"""`devkit run`: run a command in the dev container and record its fingerprint."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "run",
        parents=[common],
        help="run a command in the dev container and record its fingerprint",
    )
    parser.add_argument("--here", action="store_true", help="run on the host, not in the container")
    parser.add_argument("cmd", nargs=argparse.REMAINDER, metavar="-- CMD", help="the command")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("run", "use docker exec until it lands")
