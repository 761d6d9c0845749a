"""One JSON object per event, for CI and other tools."""

from __future__ import annotations

import json

from devkit.core.events import Event, to_json_dict

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from typing import IO


class JsonLinesView:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(to_json_dict(event), default=str) + "\n")
        self.stream.flush()
