"""Property-based: no input makes the profile loader or the path checks raise anything but
devkit's own errors (``DevkitError`` subclasses), and a path that passes the confinement check
stays inside its folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.config.profiles import ProfileSet
from devkit.config.yamlmarks import load_located
from devkit.core.errors import DevkitError
from devkit.data.selection import check_relpath
from devkit.git.regex_safety import backtracking_risk
from devkit.safefs import confine_problem, write_text

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

yaml_chars = st.sampled_from([*"ab:-[]{}&*!|>'\"#%@`,? \n\t0123456789.~", "\x00", "é"])
noise = st.lists(yaml_chars, max_size=200).map("".join)


@st.composite
def nested(draw: Any) -> str:
    """Deeply nested flow collections (a stack-overflow attempt), optionally with an alias."""
    depth = draw(st.integers(min_value=0, max_value=3000))
    opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
    inner = draw(st.sampled_from(["1", "*x", "''"]))
    prefix = draw(st.sampled_from(["", "x: &x [1]\n", "description: d\n"]))
    return prefix + "y: " + opener * depth + inner + closer * depth + "\n"


@st.composite
def aliases(draw: Any) -> str:
    """Anchors whose aliases repeat inside later anchors (a "billion laughs" attempt)."""
    levels = draw(st.integers(min_value=1, max_value=12))
    fan = draw(st.integers(min_value=1, max_value=12))
    lines = ["l0: &l0 [x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * fan) + "]")
    return "description: d\n" + "\n".join(lines) + "\n"


yaml_text = st.one_of(noise, nested(), aliases())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
keys = st.sampled_from(
    [
        "name",
        "description",
        "extends",
        "abstract",
        "image",
        "base",
        "python",
        "env",
        "env_passthrough",
        "secrets",
        "resources",
        "cpus",
        "memory",
        "ports",
        "mounts",
        "branch",
        "pattern",
        "data",
        "dest",
        "source",
        "bucket",
        "synthetic",
        "tables",
        "rows",
        "columns",
        "type",
        "min",
        "max",
        "words",
        "parity",
        "rules",
        "sample",
        "max_bytes",
        "seed",
        "lockfile",
        "path",
        "format",
        "t",
        "id",
    ]
)
mappings: Any = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=6)
    ),
    max_leaves=25,
)


def load_profile_text(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ".devkit" / "profiles"
        folder.mkdir(parents=True)
        (folder / "p.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            profiles = ProfileSet(Path(tmp))
            for name in profiles.names(include_abstract=True):
                profiles.get(name)
        except DevkitError:
            pass


@SETTINGS
@given(yaml_text)
def test_any_yaml_text_gives_a_profile_or_devkit_errors(text: str) -> None:
    load_profile_text(text)


@SETTINGS
@given(yaml_text)
def test_the_located_loader_returns_problems_never_raises(text: str) -> None:
    _located, problems = load_located(text, "x.yaml")
    assert all(str(p.where).startswith("x.yaml") for p in problems)


@SETTINGS
@given(mappings)
def test_any_mapping_gives_a_profile_or_devkit_errors(data: Any) -> None:
    body = {"extends": "training", **data} if isinstance(data, dict) else data
    load_profile_text(yaml.safe_dump(body, allow_unicode=True))


path_text = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(["a", "..", ".", "", "/", "\\", "x" * 256, "é", "\x00"]), max_size=8
    ).map("/".join),
)


@SETTINGS
@given(path_text)
def test_the_confinement_check_raises_only_refusals_and_what_passes_stays_inside(
    rel: str,
) -> None:
    try:
        check_relpath(rel, "key")
    except DevkitError as exc:
        assert exc.code == 4
        return
    assert confine_problem(rel) is None
    root = "/base/dest"
    assert os.path.normpath(os.path.join(root, rel)).startswith(root + "/")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path_text)
def test_safe_writes_stay_inside_their_root_or_raise_devkit_errors(rel: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        if confine_problem(rel) is not None:
            return  # such a path never reaches a write: the check above refuses it
        try:
            write_text(root / rel, "x", root=root)
        except DevkitError:
            pass
        except OSError:
            pass  # e.g. a component that is a file: an environment problem, not an escape
        outside = [p for p in Path(tmp).rglob("*") if root not in (p, *p.parents)]
        assert outside == []


@SETTINGS
@given(st.text(alphabet="ab()[]|*+?{}0123456789,\\^$.", max_size=40))
def test_the_regex_scanner_never_raises(pattern: str) -> None:
    backtracking_risk(pattern)
