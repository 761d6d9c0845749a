"""Views render plan events: a console for people, JSON lines for machines."""

from __future__ import annotations

import sys

from devkit.core.events import Reporter
from devkit.views.console import ConsoleView
from devkit.views.jsonl import JsonLinesView


def pick_reporter(json_mode: bool) -> Reporter:
    if json_mode:
        return JsonLinesView(sys.stdout)

    return ConsoleView(sys.stdout)
