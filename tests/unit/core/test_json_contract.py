"""The JSON contract: shipped schemas are valid, real outputs follow them, and breaks are caught."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from devkit.schemas import load, names, schema_for
from support.contract import check_json_output, command_words

EXPECTED = {"check", "data-schema", "events", "profiles-list", "profiles-show", "status"}


def test_every_report_has_a_schema_and_every_schema_is_valid() -> None:
    assert set(names()) == EXPECTED
    for name in names():
        schema = load(name)
        jsonschema.validators.validator_for(schema).check_schema(schema)
        assert schema["$id"] == f"devkit:schema/{name}/v1"


def test_schema_for_command_words() -> None:
    assert schema_for(("profiles", "list")) == ("profiles-list", True)
    assert schema_for(("check",)) == ("check", True)
    assert schema_for(("init",)) == ("events", False)
    assert schema_for(("doctor",)) == ("events", False)
    assert command_words(["--workspace", "/x", "--json", "data", "schema", "d"]) == (
        "data",
        "schema",
    )


def devkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "devkit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", "DOCKER_HOST": f"unix://{cwd}/no.sock"},
        timeout=120,
        check=False,
    )
    check_json_output(args, proc.stdout)
    return proc


@pytest.mark.parametrize(
    "argv",
    [
        ["profiles", "list", "--json"],
        ["profiles", "show", "training", "--json"],
        ["data", "schema", "--declared", "--profile", "training", "--json"],
        ["doctor", "--json"],
        ["status", "--json", "--profile", "api"],
        ["sync-data", "--profile", "api", "--synthetic", "--dry-run", "--json"],
        ["sync-data", "--profile", "api", "--synthetic", "--json"],
    ],
    ids=lambda argv: " ".join(a for a in argv if a != "--json"),
)
def test_real_outputs_follow_their_schema(tmp_path: Path, argv: list[str]) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    proc = devkit(*argv, cwd=tmp_path)
    assert proc.stdout.strip(), proc.stderr  # something was printed, and it validated


def test_a_broken_output_is_caught() -> None:
    good = {"event": "step_failed", "step": "x", "what": "w", "hint": "h", "code": 3}
    check_json_output(["init", "--json"], json.dumps(good))
    with pytest.raises(AssertionError, match=r"events\.v1"):
        check_json_output(["init", "--json"], json.dumps({**good, "code": "three"}))
    with pytest.raises(AssertionError, match=r"profiles-list\.v1"):
        check_json_output(["profiles", "list", "--json"], json.dumps([{"name": "x"}]))
