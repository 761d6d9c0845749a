"""The command to suggest for running a profile's workload, from what the workspace holds.

The Done screen, the summary printed after ``devkit init`` and the help share it, so a
suggestion is never a command that fails in the workspace at hand (e.g. pytest where there
are no tests): the profile's own program when there is one, else a harmless Python check.
"""

from __future__ import annotations

from pathlib import Path

FALLBACK = ("python", "--version")
# Program names preferred when a workload folder holds several.
PREFERRED = ("main.py", "train.py", "app.py", "run.py")


def workload_program(workspace: Path, profile_name: str) -> str | None:
    """``<profile>/<program>.py`` relative to the workspace, when the folder has one program."""
    folder = workspace / profile_name
    if not folder.is_dir():
        return None
    programs = sorted(
        p.name for p in folder.glob("*.py") if p.is_file() and not p.name.startswith("_")
    )
    for name in PREFERRED:
        if name in programs:
            return f"{profile_name}/{name}"
    return f"{profile_name}/{programs[0]}" if len(programs) == 1 else None


def run_command(workspace: Path, profile_name: str | None) -> list[str]:
    """The argv after ``devkit run --`` to suggest: the workload's program, or a Python check."""
    program = workload_program(workspace, profile_name) if profile_name else None
    return ["python", program] if program else list(FALLBACK)
