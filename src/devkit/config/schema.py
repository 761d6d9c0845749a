"""A small declarative schema for YAML configuration, reporting every problem with its place."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from devkit.config.yamlmarks import Located, Path
from devkit.core.errors import Problem
from devkit.core.records import dataclass, field
from devkit.git.regex_safety import backtracking_risk
from devkit.safefs import confine_problem

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}


def parse_size(value: object) -> int | None:
    """Bytes from 2GiB, 512MB, 4g, 1000 or 1.5k; None when it is not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    match = _SIZE.match(value)
    if not match:
        return None
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    binary = "i" in unit
    base = unit[:1]
    factor = (1024 ** "bkmgt".index(base)) if binary and base else _SIZE_UNITS.get(base, 1)
    return int(number * factor)


class Checker:
    """Collects problems while a document is validated."""

    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = []

    def add(self, path: Path, what: str, hint: str = "", key: bool = False) -> None:
        self.problems.append(Problem(self.located.where(path, key=key), what, hint))


def _dotted(path: Path) -> str:
    return ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in path) or "(top level)"


class Spec:
    type_name = "value"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        raise NotImplementedError


@dataclass
class Str(Spec):
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_hint: str = ""
    type_name = "string"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not isinstance(value, str):
            checker.add(
                path,
                f"{_dotted(path)} must be a {self.type_name}, not {_kind(value)}",
                "quote the value",
            )
            return
        if self.choices and value not in self.choices:
            import difflib  # only when a value needs a suggestion: start-up time

            close = difflib.get_close_matches(value, self.choices, n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(self.choices)}"
            )
            checker.add(path, f"{_dotted(path)}: unknown value '{value}'", hint)
        if self.pattern and not re.fullmatch(self.pattern, value):
            checker.add(path, f"{_dotted(path)}: '{value}' is not valid", self.pattern_hint)


@dataclass
class Scalar(Spec):
    """A string, number or bool that is used as a string (env values)."""

    type_name = "scalar"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not isinstance(value, str | int | float | bool):
            checker.add(
                path,
                f"{_dotted(path)} must be a plain value, not {_kind(value)}",
                "write a string, number or true/false",
            )


@dataclass
class Regex(Spec):
    safe: bool = False  # also refuse patterns that can backtrack catastrophically
    type_name = "regular expression"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not isinstance(value, str):
            checker.add(path, f"{_dotted(path)} must be a regular expression string", "quote it")
            return
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as exc:
            checker.add(
                path,
                f"{_dotted(path)}: invalid regular expression: {exc}",
                "fix the pattern (Python re syntax)",
            )
            return
        if self.safe:
            risk = backtracking_risk(value)
            if risk:
                checker.add(
                    path,
                    f"{_dotted(path)}: pattern can take exponential time: {risk}",
                    "write it without a repeated group that itself repeats or alternates, "
                    "e.g. '^(feat|fix)/[a-z0-9._-]+$'",
                )


@dataclass
class Number(Spec):
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    @property
    def type_name(self) -> str:  # type: ignore[override]
        return "whole number" if self.integer else "number"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        ok = isinstance(value, int) if self.integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            checker.add(path, f"{_dotted(path)} must be a {self.type_name}, not {_kind(value)}", "")
            return
        if isinstance(value, float) and not math.isfinite(value):
            checker.add(path, f"{_dotted(path)} must be a finite number, not {value}", "")
            return
        if self.minimum is not None and value < self.minimum:
            checker.add(path, f"{_dotted(path)} must be at least {self.minimum:g}, not {value}", "")
        if self.maximum is not None and value > self.maximum:
            checker.add(path, f"{_dotted(path)} must be at most {self.maximum:g}, not {value}", "")


@dataclass
class Bool(Spec):
    type_name = "boolean"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not isinstance(value, bool):
            checker.add(path, f"{_dotted(path)} must be true or false, not {_kind(value)}", "")


@dataclass
class Size(Spec):
    maximum: int | None = None
    type_name = "size"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        size = parse_size(value)
        if size is None:
            checker.add(
                path,
                f"{_dotted(path)}: '{value}' is not a size",
                "write a size like 512MiB, 2GiB or 4g",
            )
        elif self.maximum is not None and size > self.maximum:
            checker.add(
                path,
                f"{_dotted(path)}: {value} is more than {self.maximum} bytes",
                f"use at most {self.maximum} bytes",
            )


@dataclass
class RelPath(Spec):
    """A path relative to a folder it must stay inside (the workspace, the data folder)."""

    of: str = "the workspace"
    type_name = "relative path"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not isinstance(value, str):
            checker.add(path, f"{_dotted(path)} must be a path, not {_kind(value)}", "quote it")
            return
        reason = confine_problem(value.rstrip("/") if value not in ("/", "") else value)
        if reason:
            checker.add(
                path,
                f"{_dotted(path)}: '{value[:120]}' {reason}",
                f"write a plain path relative to {self.of}, e.g. data/training",
            )


@dataclass
class DateLike(Spec):
    type_name = "date"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if isinstance(value, date | datetime):
            return
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value)
                return
            except ValueError:
                pass
        checker.add(path, f"{_dotted(path)}: '{value}' is not a date", "write YYYY-MM-DD")


@dataclass
class ListOf(Spec):
    item: Spec
    min_items: int = 0
    type_name = "list"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not isinstance(value, list):
            checker.add(
                path,
                f"{_dotted(path)} must be a list, not {_kind(value)}",
                "write [a, b] or one '- item' per line",
            )
            return
        if len(value) < self.min_items:
            checker.add(path, f"{_dotted(path)} needs at least {self.min_items} item(s)", "")
        for i, item in enumerate(value):
            self.item.check(item, (*path, i), checker)


@dataclass
class MapOf(Spec):
    value: Spec
    key_pattern: str | None = None
    key_hint: str = ""
    type_name = "mapping"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not _is_mapping(value, path, checker):
            return
        for key, item in value.items():
            if self.key_pattern and not re.fullmatch(self.key_pattern, key):
                checker.add(
                    (*path, key), f"{_dotted(path)}: invalid name '{key}'", self.key_hint, key=True
                )
            self.value.check(item, (*path, key), checker)


@dataclass
class Field:
    spec: Spec
    required: bool = False
    doc: str = ""


@dataclass
class Obj(Spec):
    fields: dict[str, Field]
    validators: list[Callable[[dict[str, Any], Path, Checker], None]] = field(default_factory=list)
    type_name = "mapping"

    def check(self, value: Any, path: Path, checker: Checker) -> None:
        if not _is_mapping(value, path, checker):
            return
        for key, item in value.items():
            if key not in self.fields:
                import difflib  # only when a key needs a suggestion: start-up time

                close = difflib.get_close_matches(key, list(self.fields), n=1, cutoff=0.6)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"known keys: {', '.join(sorted(self.fields))}"
                )
                checker.add((*path, key), f"unknown key '{_dotted((*path, key))}'", hint, key=True)
                continue
            self.fields[key].spec.check(item, (*path, key), checker)
        for validator in self.validators:
            validator(value, path, checker)

    def check_required(self, value: Any, path: Path, checker: Checker) -> None:
        """Required fields, checked after 'extends' merged a profile with its parents."""
        if not isinstance(value, dict):
            return
        for key, spec_field in self.fields.items():
            if spec_field.required and key not in value:
                checker.add(
                    path,
                    f"missing required key '{_dotted((*path, key))}'",
                    f"add '{key}:' ({spec_field.doc})" if spec_field.doc else f"add '{key}:'",
                )
            elif key in value and isinstance(spec_field.spec, Obj):
                spec_field.spec.check_required(value[key], (*path, key), checker)


def _is_mapping(value: Any, path: Path, checker: Checker) -> bool:
    """True for a mapping; otherwise one problem is recorded."""
    if isinstance(value, dict):
        return True
    checker.add(
        path, f"{_dotted(path)} must be a mapping, not {_kind(value)}", "write 'key: value' lines"
    )
    return False


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
