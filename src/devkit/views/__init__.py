"""Views render plan events: a console for people, JSON lines for machines."""

from __future__ import annotations

import sys

from devkit.events import Reporter


def pick_reporter(json_mode: bool) -> Reporter:
    if json_mode:
        from devkit.views.jsonl import JsonLinesView

        return JsonLinesView(sys.stdout)
    from devkit.views.console import ConsoleView

    return ConsoleView(sys.stdout)
