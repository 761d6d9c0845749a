"""The one error base of devkit and the exit codes every command shares."""

from __future__ import annotations


class ExitCode:
    """The exit codes, as plain ints. Not an ``IntEnum``: ``enum`` (with ``functools`` and
    ``collections``) is a few milliseconds of a no-op sync's start-up, which needs none of it."""

    OK = 0
    VIOLATIONS = 1
    BAD_INPUT = 2
    NOT_READY = 3
    REFUSED = 4
    INTERRUPTED = 130


class Where:
    """A place in a file, for errors about configuration.

    A plain class rather than a dataclass: this module is on ``devkit --help``'s import path,
    and ``dataclasses`` (with ``inspect``) costs more start-up time than the rest of it.
    """

    __slots__ = ("column", "line", "path")

    def __init__(self, path: str, line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column

    def _key(self) -> tuple[str, int | None, int | None]:
        return (self.path, self.line, self.column)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Where) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Where({self.path!r}, {self.line!r}, {self.column!r})"

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class DevkitError(Exception):
    """A known failure: what went wrong, what to do about it, and where.

    Subclasses only choose the exit code; the message is always written for a person.
    """

    code: int = ExitCode.BAD_INPUT

    def __init__(self, what: str, hint: str = "", where: Where | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint
        self.where = where

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"{prefix}{self.what}"


class ConfigError(DevkitError):
    """Bad input: a malformed profile, an unknown name, an invalid flag value."""

    code = ExitCode.BAD_INPUT


class NotReadyError(DevkitError):
    """The environment is not ready: no Docker Engine, no credentials, no network."""

    code = ExitCode.NOT_READY


class RefusedError(DevkitError):
    """Refused for safety: write-capable or prod credentials, a path escaping its folder."""

    code = ExitCode.REFUSED


class Problem:
    """One problem in a configuration file, reported together with all the others."""

    __slots__ = ("hint", "what", "where")

    def __init__(self, where: Where, what: str, hint: str = "") -> None:
        self.where = where
        self.what = what
        self.hint = hint

    def __str__(self) -> str:
        tail = f" — {self.hint}" if self.hint else ""
        return f"{self.where}: {self.what}{tail}"

    def __repr__(self) -> str:
        return f"Problem({self!s})"


class ProblemsError(ConfigError):
    """Several configuration problems at once, each with file:line:col."""

    def __init__(self, problems: list[Problem]) -> None:
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"{count} {noun} in configuration:\n" + "\n".join(f"  {p}" for p in problems),
            "fix the lines above and run the command again",
        )
        self.problems = problems
