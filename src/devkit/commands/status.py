"""`devkit status`: show branch, devcontainer files, image, container and data."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "status",
        parents=[common],
        help="show branch, devcontainer files, image, container and data",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("status", "use git status and docker ps until it lands")
