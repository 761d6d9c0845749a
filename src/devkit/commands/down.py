"""`devkit down`: stop and remove the dev container; keep image, workspace and data."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "down",
        parents=[common],
        help="stop and remove the dev container; keep image, workspace and data",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("down", "use docker rm -f until it lands")
