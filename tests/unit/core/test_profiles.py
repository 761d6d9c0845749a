"""Profile loading, resolution and validation with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from devkit.config.profiles import ProfileSet
from devkit.config.schema import parse_size
from devkit.core.errors import ConfigError, ProblemsError


def write_profile(ws: Path, name: str, text: str) -> Path:
    folder = ws / ".devkit" / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_profiles_are_the_four_workloads() -> None:
    profiles = ProfileSet(None)
    assert profiles.names() == ["api", "inference", "ingestion", "training"]
    training = profiles.get("training")
    assert training.image.python == "3.11"
    assert training.data is not None and training.data.sample.max_bytes == 2 * 1024**3
    assert "WANDB_API_KEY" in training.secrets
    assert {r.id for r in training.parity_rules} >= {"python", "lockfile", "branch"}


def test_workspace_override_changes_only_what_it_names(tmp_path: Path) -> None:
    write_profile(tmp_path, "training", "name: training\nextends: training\nports: [9000]\n")
    profile = ProfileSet(tmp_path).get("training")
    assert profile.ports == (9000,)
    assert profile.description.startswith("Training pipeline")
    assert profile.env["WANDB_MODE"] == "offline"
    assert profile.source_files[-1] == ".devkit/profiles/training.yaml"


def test_workspace_adds_a_profile(tmp_path: Path) -> None:
    write_profile(
        tmp_path,
        "eval",
        "description: Offline evaluation\nextends: training\nenv: {EVAL_SPLIT: test}\n",
    )
    profiles = ProfileSet(tmp_path)
    assert "eval" in profiles.names()
    assert profiles.get("eval").env["EVAL_SPLIT"] == "test"


def test_every_mistake_is_reported_with_file_line_col(tmp_path: Path) -> None:
    write_profile(
        tmp_path,
        "broken",
        "\n".join(
            [
                "name: broken",
                "description: several mistakes",
                "extends: base",
                "imagee: {}",  # 4: unknown key, did-you-mean image
                "ports: [80, 70000]",  # 5: out of range
                "branch: {pattern: '([a-z'}",  # 6: bad regex
                "resources: {memory: lots}",  # 7: not a size
                "env: {GOOD: x, bad-name: y}",  # 8: bad env name
                "parity: {rules: {pythn: error}}",  # 9: unknown rule
                "",
            ]
        ),
    )
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("broken")
    lines = [str(p) for p in caught.value.problems]
    text = "\n".join(lines)
    assert ".devkit/profiles/broken.yaml:4:1: unknown key 'imagee'" in text
    assert "did you mean 'image'?" in text
    assert ".devkit/profiles/broken.yaml:5:" in text and "65535" in text
    assert ".devkit/profiles/broken.yaml:6:" in text and "regular expression" in text
    assert ".devkit/profiles/broken.yaml:7:" in text and "not a size" in text
    assert ".devkit/profiles/broken.yaml:8:" in text and "bad-name" in text
    assert ".devkit/profiles/broken.yaml:9:" in text and "did you mean 'python'?" in text
    assert len(lines) == 6
    assert caught.value.code == 2


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    write_profile(tmp_path, "bad", "name: bad\ndescription: [unclosed\nports: 1\n")
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("training")
    (problem,) = caught.value.problems
    assert str(problem.where).startswith(".devkit/profiles/bad.yaml:3:")
    assert "YAML syntax error" in problem.what


def test_missing_required_fields_after_merge(tmp_path: Path) -> None:
    write_profile(tmp_path, "lonely", "name: lonely\nports: [8000]\n")
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("lonely")
    text = str(caught.value)
    assert "missing required key 'description'" in text
    assert "missing required key 'image'" in text


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    write_profile(tmp_path, "a", "name: a\ndescription: a\nextends: b\n")
    write_profile(tmp_path, "b", "name: b\ndescription: b\nextends: a\n")
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("a")
    assert "cycle" in str(caught.value)
    assert ".devkit/profiles/" in str(caught.value.problems[0].where)


def test_unknown_profile_lists_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        ProfileSet(tmp_path).get("trainig")
    assert "unknown profile 'trainig'" in caught.value.what
    assert "training" in caught.value.hint


def test_synthetic_column_types_are_checked(tmp_path: Path) -> None:
    write_profile(
        tmp_path,
        "syn",
        "name: syn\ndescription: s\nextends: base\n"
        "data:\n  dest: data/x\n  synthetic:\n    tables:\n      t:\n        rows: 5\n"
        "        columns:\n          a: {type: integer}\n"
        "          b: {type: category, values: [x, y], weights: [1]}\n",
    )
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("syn")
    text = str(caught.value)
    assert "syn.yaml:11:21:" in text and "did you mean 'int'?" in text
    assert "syn.yaml:12:" in text and "1 weights for 2 values" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2GiB", 2 * 1024**3), ("512MB", 512 * 1000**2), ("4g", 4 * 1000**3), (1000, 1000)],
)
def test_parse_size(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


def test_parse_size_rejects_nonsense() -> None:
    assert parse_size("lots") is None
    assert parse_size(-1) is None
    assert parse_size(True) is None


def test_extending_an_overridden_builtin_is_no_cycle(tmp_path: Path) -> None:
    write_profile(tmp_path, "training", "name: training\nextends: training\nports: [9000]\n")
    write_profile(tmp_path, "extra", "name: extra\nextends: training\ndescription: x\n")
    profile = ProfileSet(tmp_path).get("extra")
    assert profile.ports == (9000,)
    assert profile.description == "x"
    assert len(profile.source_files) == 4  # base, built-in training, workspace training, extra


def test_foreign_key_to_an_undeclared_table_is_reported(tmp_path: Path) -> None:
    write_profile(
        tmp_path,
        "fk",
        "name: fk\ndescription: f\nextends: base\n"
        "data:\n  dest: data/x\n  synthetic:\n    tables:\n      t:\n        rows: 5\n"
        "        columns:\n          a: {type: foreign_key, references: nope.col}\n",
    )
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("fk")
    (problem,) = caught.value.problems
    assert str(problem.where).startswith(".devkit/profiles/fk.yaml:11:")
    assert "references nope.col" in problem.what


def test_builtin_foreign_keys_resolve() -> None:
    for name in ("ingestion", "api"):
        ProfileSet(None).get(name)


def test_editor_extensions_and_settings_are_checked_and_inherited(tmp_path: Path) -> None:
    write_profile(
        tmp_path,
        "ed",
        "name: ed\ndescription: e\nextends: base\n"
        "editor:\n  extensions: [ms-python.python, not-an-id]\n"
        "  settings: {editor.rulers: [100], files.exclude: {'**/.devkit': true}}\n"
        "  theme: dark\n",
    )
    with pytest.raises(ProblemsError) as caught:
        ProfileSet(tmp_path).get("ed")
    text = str(caught.value)
    assert "ed.yaml:5:" in text and "publisher.name" in text
    assert "ed.yaml:7:3: unknown key 'editor.theme'" in text
    assert text.startswith("2 problems"), "nested settings of any JSON shape are fine"
    good = ProfileSet(None).get("inference")
    assert "ms-python.python" in good.editor_extensions, "inherited from base"
    assert good.editor_settings["python.defaultInterpreterPath"] == "/opt/venv/bin/python"
