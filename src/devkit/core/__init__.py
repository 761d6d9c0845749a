"""The engine core every other package builds on: steps, plans and their events (``plan``,
``events``), devkit's errors and exit codes (``errors``), the workspace lock (``lock``) and amounts
as people read them (``units``). It imports nothing else of devkit."""
