"""One JSON object per event, for CI and other tools."""

from __future__ import annotations

import json
from typing import IO

from devkit.core.events import Event, to_json_dict


class JsonLinesView:
    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(to_json_dict(event), default=str) + "\n")
        self.stream.flush()
