"""`devkit post-create`: the devcontainer's postCreate hook: finish setup inside the container."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "post-create",
        parents=[common],
        help="the devcontainer's postCreate hook: finish setup inside the container",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("post-create", "run the profile's setup commands by hand until it lands")
