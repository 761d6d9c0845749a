"""`devkit check`: compare the last local run with staging's parity reference."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "check", parents=[common], help="compare the last local run with staging's parity reference"
    )
    parser.add_argument("--reference", metavar="FILE|s3://BUCKET/KEY", help="staging reference")
    parser.add_argument("--format", choices=("text", "json", "junit"), default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--rule", action="append", metavar="ID", help="evaluate only this rule")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from devkit.commands._shared import not_available

    raise not_available("check", "compare the environments by hand until it lands")
