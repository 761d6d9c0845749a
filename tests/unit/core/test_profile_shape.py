"""The profile's shape is written in three places — the validation spec (``profile_spec.PROFILE``),
the dataclasses (``model.Profile`` and its parts) and the builder (``model.build_profile``). This
test keeps them in step: every key the spec accepts is in ``FULL`` (a profile that sets them all),
and every one of them reaches the built ``Profile`` (changing it changes the result). A key added
to the spec alone, or validated but never built, fails here and names itself.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from devkit.config.model import Profile
from devkit.config.profile_spec import PROFILE
from devkit.config.profiles import ProfileSet
from devkit.config.schema import Obj

# Keys the loader consumes itself; they do not become part of a Profile.
LOADER_KEYS = {
    "extends",  # merged away by ProfileSet
    "abstract",  # an abstract profile is never built
    "env_passthrough",  # only checks ${localEnv:NAME} substitutions
}

FULL: dict[str, Any] = {
    "name": "full",
    "description": "every key set",
    "extends": "base",
    "abstract": False,
    "image": {
        "base": "python:3.11-slim",
        "python": "3.11",
        "system_packages": ["git", "libgomp1"],
        "lockfile": "requirements/full.lock",
        "user": "dev",
        "prebuilt": "registry.example.com/ml/full-dev",
    },
    "env": {"MODE": "offline", "FLAG": True},
    "env_passthrough": ["HTTP_LOG_LEVEL"],
    "secrets": ["WANDB_API_KEY"],
    "resources": {"cpus": 2, "memory": "4g"},
    "ports": [8000],
    "mounts": ["source=cache,target=/cache,type=volume"],
    "editor": {"extensions": ["ms-python.python"], "settings": {"editor.rulers": [100]}},
    "post_create": ["echo ready"],
    "trust": {"ca_bundle": "none"},
    "branch": {"pattern": "^feat/[a-z]+$", "base": "develop"},
    "data": {
        "source": {
            "bucket": "full-bucket",
            "prefix": "sample/",
            "region": "eu-west-1",
            "role_arn": "arn:aws:iam::111111111111:role/full-read",
            "allow_environments": ["dev", "staging"],
        },
        "dest": "data/full",
        "sample": {
            "prefixes": ["a/"],
            "include": ["*.parquet"],
            "exclude": ["*.tmp"],
            "max_bytes": "1g",
            "max_objects": 10,
            "fraction": 0.5,
        },
        "synthetic": {
            "seed": 7,
            "tables": {"events": {"rows": 10, "columns": {"id": {"type": "int"}}}},
        },
    },
    "parity": {
        "reference": "s3://full-parity/ref.json",
        "rules": {"python": "warn", "branch": {"severity": "error", "max_behind": 5}},
        "scan": ["src/**/*.py"],
    },
}

# Another valid value for the keys a profile cannot leave out.
OTHER: dict[str, Any] = {
    "name": "renamed",
    "description": "something else",
    "image.base": "python:3.12-slim",
    "image.python": "3.12",
    "data.dest": "data/other",
    "data.source.bucket": "other-bucket",
    "data.synthetic.tables": {"events": {"rows": 3, "columns": {"id": {"type": "int"}}}},
}


def spec_leaves(spec: Obj, prefix: str = "") -> dict[str, bool]:
    """Dotted key → required, for every leaf of the spec (a mapping of fixed keys is walked)."""
    out: dict[str, bool] = {}
    for key, field in spec.fields.items():
        dotted = f"{prefix}{key}"
        if isinstance(field.spec, Obj):
            out.update(spec_leaves(field.spec, dotted + "."))
        else:
            out[dotted] = field.required
    return out


def value_leaves(value: dict[str, Any], spec: Obj, prefix: str = "") -> set[str]:
    out: set[str] = set()
    for key, item in value.items():
        field = spec.fields[key]
        if isinstance(field.spec, Obj):
            out |= value_leaves(item, field.spec, f"{prefix}{key}.")
        else:
            out.add(f"{prefix}{key}")
    return out


def build(tmp_path: Path, data: dict[str, Any]) -> Profile:
    folder = tmp_path / ".devkit" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.yaml"):
        old.unlink()
    (folder / "full.yaml").write_text(json.dumps(data), encoding="utf-8")  # JSON is YAML
    return ProfileSet(tmp_path).get(str(data.get("name", "full")))


def changed(data: dict[str, Any], dotted: str, required: bool) -> dict[str, Any]:
    out = copy.deepcopy(data)
    *parents, last = dotted.split(".")
    node = out
    for part in parents:
        node = node[part]
    if required:
        node[last] = OTHER[dotted]
    else:
        del node[last]
    return out


def test_full_sets_every_key_the_spec_accepts() -> None:
    assert value_leaves(FULL, PROFILE) == set(spec_leaves(PROFILE)), (
        "a key was added to (or removed from) profile_spec.PROFILE: set it in FULL here, then "
        "make sure model.build_profile turns it into a Profile field"
    )


def test_full_is_a_valid_profile(tmp_path: Path) -> None:
    profile = build(tmp_path, FULL)
    assert profile.name == "full" and profile.data is not None


@pytest.mark.parametrize(
    "dotted", sorted(k for k in spec_leaves(PROFILE) if k.split(".")[0] not in LOADER_KEYS)
)
def test_every_key_reaches_the_built_profile(tmp_path: Path, dotted: str) -> None:
    required = spec_leaves(PROFILE)[dotted] or dotted == "name"  # name defaults to the file's
    alone = {k: v for k, v in FULL.items() if k not in LOADER_KEYS}  # nothing inherited
    before = build(tmp_path, alone)
    after = build(tmp_path, changed(alone, dotted, required))
    assert after != before, f"profile key '{dotted}' is validated but never reaches the Profile"
