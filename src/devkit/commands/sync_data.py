"""`devkit sync-data`: fetch the profile's sampled dataset read-only, or generate synthetic data."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "sync-data",
        parents=[common],
        help="fetch the profile's sampled dataset read-only, or generate synthetic data",
    )
    parser.add_argument("--synthetic", action="store_true", help="generate synthetic data")
    parser.add_argument("--seed", type=int, metavar="N", help="seed for synthetic data")
    parser.add_argument("--dest", metavar="DIR", help="destination folder (default: profile's)")
    parser.add_argument("--concurrency", type=int, metavar="N", help="parallel downloads")
    parser.add_argument(
        "--delete", action="store_true", help="remove synced files that are gone upstream"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("sync-data", "fetch the data by hand until it lands")
