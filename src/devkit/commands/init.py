"""`devkit init`: create the feature branch and start the workload's dev container."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "init",
        parents=[common],
        help="create the feature branch and start the workload's dev container",
    )
    parser.add_argument("--branch", metavar="BRANCH", help="feature branch to create or switch to")
    parser.add_argument(
        "--data",
        choices=("sample", "synthetic", "none"),
        help="dataset to put in place (default: sample when read-only credentials work)",
    )
    parser.add_argument("--base-image", metavar="IMAGE", help="override the profile's base image")
    parser.add_argument(
        "--force", action="store_true", help="replace changed .devcontainer files (backup kept)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("init", "use docker and the devcontainer CLI by hand until it lands")
