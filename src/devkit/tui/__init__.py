"""The Textual terminal UI: the guided `devkit init` app and the `devkit` dashboard.

Nothing in this package is imported unless a terminal UI is about to start (see
``devkit.terminal``); the modules without a Textual import (``services``, ``formatting``,
``status``) hold the logic that tests drive directly.
"""
