"""Views render plan events: a console for people, JSON lines for machines."""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from devkit.core.events import Reporter


def pick_reporter(json_mode: bool) -> Reporter:
    """The view for this run (only its module is imported: json for the other is start-up
    time)."""
    if json_mode:
        from devkit.views.jsonl import JsonLinesView

        return JsonLinesView(sys.stdout)
    from devkit.views.console import ConsoleView

    return ConsoleView(sys.stdout)
