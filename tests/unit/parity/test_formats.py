from __future__ import annotations

import pytest

from devkit.core.errors import ConfigError
from devkit.parity import formats
from devkit.parity.fingerprint import validate

GOOD = {
    "format": "devkit.fingerprint",
    "format_version": 1,
    "profile": "demo",
    "python": {"version": "3.11.7"},
    "distributions": {},
    "env_names": [],
}


def test_valid_fingerprint_passes() -> None:
    assert validate(dict(GOOD), "ref.json")["profile"] == "demo"


@pytest.mark.parametrize(
    ("change", "phrase"),
    [
        ({"format_version": 2}, "format 2; this devkit reads up to 1"),
        ({"format_version": True}, "no valid format_version"),
        ({"format": "devkit.run"}, "is not a devkit.fingerprint document"),
        ({"profile": None}, "names no profile"),
        ({"distributions": []}, "'distributions' is missing"),
    ],
)
def test_invalid_fingerprints_are_config_errors(change: dict[str, object], phrase: str) -> None:
    with pytest.raises(ConfigError) as caught:
        validate({**GOOD, **change}, "ref.json")
    assert phrase in str(caught.value)
    assert caught.value.hint


def test_parse_json_rejects_non_objects() -> None:
    with pytest.raises(ConfigError, match="not a JSON object"):
        formats.parse_json("[1]", "x", "hint")
    with pytest.raises(ConfigError, match="not valid JSON"):
        formats.parse_json(b"\xff", "x", "hint")
