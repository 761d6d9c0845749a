"""`devkit check`: compare the last local run with staging's parity reference."""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "check"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME, parents=[common], help="compare the last local run with staging's parity reference"
    )
    parser.add_argument("--reference", metavar="FILE|s3://BUCKET/KEY", help="staging reference")
    parser.add_argument("--format", choices=("text", "json", "junit"), default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--rule", action="append", metavar="ID", help="evaluate only this rule")
    parser.add_argument(
        "--refresh", action="store_true", help="fetch an S3 reference again, ignoring the cache"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from devkit.actions.check import check_and_record
    from devkit.commands._shared import selected_profile, workspace
    from devkit.parity.reports import render
    from devkit.terminal import out, use_color

    ws = workspace(args)
    profile = selected_profile(args, ws)
    report = check_and_record(ws, profile, args.reference, args.rule, args.refresh)
    kind = "json" if args.json and args.format == "text" else args.format
    if args.output:
        from devkit import safefs

        safefs.write_text(Path(args.output), render(report, kind))
        if kind != "text":
            out(render(report, "text", use_color(sys.stdout)).rstrip("\n"))
    else:
        out(render(report, kind, kind == "text" and use_color(sys.stdout)).rstrip("\n"))
    return report.exit_code
