"""One module per command. Each defines ``register(sub, common)``; nothing heavy at import."""

from __future__ import annotations

from types import ModuleType

from devkit.commands import (
    check,
    completion,
    credentials,
    data,
    doctor,
    down,
    hooks,
    image,
    init,
    parity,
    post_create,
    profiles,
    run,
    status,
    sync_data,
)

COMMANDS: list[ModuleType] = [
    init,
    sync_data,
    data,
    check,
    image,
    run,
    parity,
    hooks,
    post_create,
    status,
    down,
    doctor,
    profiles,
    credentials,
    completion,
]
