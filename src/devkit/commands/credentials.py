"""`devkit credentials get|serve`: the read-only session broker and its credential_process side.

``get`` runs inside the container (the AWS config devkit mounts names it as credential_process);
``serve`` runs on the host, started by `devkit init` and stopped by `devkit down`.
"""

from __future__ import annotations

import argparse

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any


NAME = "credentials"


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        NAME, parents=[common], help="read-only AWS session broker for dev containers"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", parser_class=type(parser))
    get = actions.add_parser("get", help="print credentials as an AWS credential_process")
    get.add_argument("--socket", required=True, metavar="PATH", help="the broker's socket")
    serve = actions.add_parser("serve", parents=[common], help="run the broker (host side)")
    serve.add_argument("--dir", required=True, metavar="DIR", help="folder for the socket")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "get":
        from devkit.credentials.client import fetch
        from devkit.terminal import out

        out(fetch(args.socket))
        return 0
    if args.action == "serve":
        from pathlib import Path

        from devkit.commands._shared import selected_profile, workspace
        from devkit.credentials.service import serve_forever

        ws = workspace(args)
        return serve_forever(Path(args.dir), ws, selected_profile(args, ws))
    from devkit.core.errors import ConfigError

    raise ConfigError("say what to do: 'devkit credentials get' or 'serve'", "see --help")
