"""Every ``--json`` output a test sees is checked against devkit's shipped JSON Schemas.

The helpers that run devkit in tests call ``check_json_output(argv, stdout)``; it finds the
command's words in ``argv``, picks the schema (``devkit.schemas.schema_for``) and validates each
event line, or the one report document, raising AssertionError with the schema's complaint.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import jsonschema

from devkit.schemas import load, schema_for

# Options that take a value: the word after them is not a command word.
_VALUED = {"--workspace", "--profile", "--color", "--reference", "--format", "--output", "--out"}


@cache
def _validator(name: str) -> Any:
    schema = load(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def command_words(argv: Sequence[str]) -> tuple[str, ...]:
    words: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            break
        if arg in _VALUED:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        words.append(arg)
    return tuple(words[:2])


def check_json_output(argv: Sequence[str], stdout: str) -> None:
    """Validate ``stdout`` of ``devkit ARGV`` when ARGV asks for JSON; a no-op otherwise."""
    args = list(argv)
    if "--json" not in args and not ("--format" in args and "json" in args):
        return
    words = command_words(args)
    if not words or words[0] in {"run", "parity", "credentials", "completion"}:
        return  # run prints the command's own output; parity/credentials print data files
    name, document = schema_for(words)
    if not stdout.strip():
        return  # failed before any output (the exit code and stderr say why)
    validator = _validator(name)
    docs = [json.loads(stdout)] if document else [json.loads(x) for x in stdout.splitlines() if x]
    for doc in docs:
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, f"devkit {' '.join(args)}: output breaks {name}.v1: {errors[0].message}"
