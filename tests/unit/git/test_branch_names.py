"""Branch-name validation: git's rules in pure Python, checked against real git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devkit.config.model import DEFAULT_BRANCH_PATTERN
from devkit.git.names import (
    example_name,
    git_rule_problems,
    matches_pattern,
    repair,
    validate_branch_name,
)

TRICKY = [
    "feat/x",
    "a..b",
    "...",
    "a@{b",
    "@{-1}",
    "a.lock",
    "a.lock/b",
    "a/b.lock",
    ".lock",
    "a/.lock",
    "a.lock.",
    "a//b",
    "/a",
    "a/",
    "a.",
    "a/.b",
    ".a",
    "a/./b",
    "a/../b",
    "-x",
    "a/-x",
    "HEAD",
    "x/HEAD",
    "refs/heads/x",
    "@",
    "@a",
    "a@",
    "a@b",
    "a/@",
    "a{b",
    "a}b",
    "a b",
    "a~b",
    "a^b",
    "a:b",
    "a?b",
    "a*b",
    "a[b",
    "a]b",
    "a\\b",
    "a\tb",
    "a\x01b",
    "a\x7fb",
    "a\x1fb",
    "é/ünïcode",
    "a.b",
    "feat/x.y_z-1",
    "a-",
    "a/b/c/d",
    "",
]


def git_accepts(name: str, cwd: Path) -> bool:
    """The oracle: real git, run outside any repository so '@{-N}' is not expanded."""
    proc = subprocess.run(
        ["git", "check-ref-format", "--branch", name], cwd=cwd, capture_output=True, check=False
    )
    return proc.returncode == 0


@pytest.mark.parametrize("name", TRICKY, ids=repr)
def test_git_rules_agree_with_git(name: str, tmp_path: Path) -> None:
    ours = not git_rule_problems(name)
    assert ours == git_accepts(name, tmp_path), git_rule_problems(name)


def test_each_problem_names_the_rule_and_a_valid_example() -> None:
    problems = validate_branch_name("feat/a..b", DEFAULT_BRANCH_PATTERN)
    assert len(problems) == 1
    assert "'..'" in problems[0]
    assert "e.g. 'feat/a.b'" in problems[0]


def test_several_problems_are_all_reported() -> None:
    problems = validate_branch_name("-feat/x.lock", DEFAULT_BRANCH_PATTERN)
    text = "\n".join(problems)
    assert "git forbids a leading '-'" in text
    assert "git forbids a part ending in '.lock'" in text
    assert "does not match the team's pattern" in text


def test_pattern_must_match_whole_name() -> None:
    assert matches_pattern("feat/x", r"feat/[a-z]+")
    assert not matches_pattern("feat/x-and-more/", r"feat/[a-z]+")
    problems = validate_branch_name("wip", r"^(feat|fix)/[a-z0-9-]+$")
    assert problems == [
        "'wip' does not match the team's pattern ^(feat|fix)/[a-z0-9-]+$ "
        "(branch.pattern in the profile) — e.g. 'feat/wip'"
    ]


def test_valid_name_has_no_problems() -> None:
    assert validate_branch_name("feat/add-login", DEFAULT_BRANCH_PATTERN) == []
    assert validate_branch_name("anything.goes", None) == []


def test_bad_pattern_is_reported() -> None:
    problems = validate_branch_name("feat/x", "([unclosed")
    assert len(problems) == 1
    assert "not a valid regex" in problems[0]


@pytest.mark.parametrize(
    ("name", "fixed"),
    [
        ("Feat/My Change", "feat/my-change"),
        ("feat/x.lock", "feat/x"),
        ("feat//x/", "feat/x"),
        ("-feat/a...b", "feat/a.b"),
        ("feat/a~b^c:d", "feat/a-b-c-d"),
        (".hidden/x.", "hidden/x"),
    ],
)
def test_repair(name: str, fixed: str) -> None:
    assert repair(name) == fixed
    assert git_rule_problems(fixed) == []


def test_example_falls_back_to_a_stock_name_matching_the_pattern() -> None:
    assert example_name("???", r"^fix/[a-z-]+$") == "fix/null-title"


def test_random_names_agree_with_git(tmp_path: Path) -> None:
    """Short names drawn from the characters the rules care about, fixed seed."""
    import random

    rng = random.Random(20261126)
    alphabet = "ab./-@{}~^:?*[\\ lockHEAD\t\x7fé"
    names = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7))) for _ in range(300)}
    disagreements = [
        name
        for name in sorted(names)
        if (not git_rule_problems(name)) != git_accepts(name, tmp_path)
    ]
    assert disagreements == []


def test_control_characters_are_shown_escaped() -> None:
    (problem,) = validate_branch_name("feat/a\tb", None)
    assert problem.startswith("'feat/a\\x09b' is not a valid branch name: git forbids control")


def git_can_create(name: str, tmp_path: Path) -> bool:
    """The oracle for length: real git creating the branch in a real repository (a ref is a
    file, and git writes '<ref>.lock' first)."""
    repo = tmp_path / "repo"
    if not repo.exists():
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e",
             "commit", "-q", "--allow-empty", "-m", "c"],
            check=True,
        )  # fmt: skip
    proc = subprocess.run(
        ["git", "-C", str(repo), "branch", name], capture_output=True, text=True, check=False
    )
    return proc.returncode == 0


@pytest.mark.parametrize("size", [250, 251, 300])
def test_part_length_limit_agrees_with_git_creating_the_branch(size: int, tmp_path: Path) -> None:
    name = "feat/" + "x" * size
    assert git_accepts(name, tmp_path)  # check-ref-format does not look at lengths
    ours = not git_rule_problems(name)
    assert ours == git_can_create(name, tmp_path), git_rule_problems(name)
    if not ours:
        problem = validate_branch_name(name)[0]
        assert "at most 250 bytes" in problem and f"({len(name)} characters)" in problem


def test_branch_name_is_trimmed() -> None:
    from devkit.git.names import clean_branch_name

    assert clean_branch_name("  feat/x \t") == "feat/x"
    assert clean_branch_name("feat/x y") == "feat/x y"  # inner spaces stay (and are refused)
