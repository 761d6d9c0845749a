"""Branch-name rules: git's own (``git check-ref-format --branch``) and the profile's pattern.

Pure Python and instant, so the TUI can validate as the developer types. The git rules follow
``refs.c`` (check_refname_format with the ``refs/heads/`` prefix) and ``check_branch_ref``;
tests compare them with the real ``git check-ref-format --branch`` on a table of tricky names.
"""

from __future__ import annotations

import re

from devkit.git.regex_safety import MAX_NAME

EXAMPLES = (
    "feat/add-login",
    "fix/null-title",
    "exp/bigger-batch",
    "chore/bump-deps",
    "feature/add-login",
    "bugfix/null-title",
    "add-login",
)
# Characters git refuses anywhere in a ref name, with the words we use for them.
_BAD_CHARS = {
    " ": "a space",
    "~": "'~'",
    "^": "'^'",
    ":": "':'",
    "?": "'?'",
    "*": "'*'",
    "[": "'['",
    "\\": "'\\'",
}


# A ref is a file (and "<ref>.lock" while git writes it): each part of the name is a file or
# folder name, at most NAME_MAX (255) bytes with room for ".lock", and the whole path
# "refs/heads/NAME" must fit in PATH_MAX with room for the repository's own path.
NAME_MAX = 255
LOCK_SUFFIX = ".lock"
REF_MAX = 1024  # bytes for "refs/heads/NAME": generous, and far below PATH_MAX (4096)


def clean_branch_name(name: str) -> str:
    """The name as the user meant it: surrounding spaces (a paste, a stray key) trimmed."""
    return name.strip()


def length_problems(name: str) -> list[str]:
    """Names git accepts as text but cannot store as a ref file (git says 'File name too long')."""
    problems: list[str] = []
    limit = NAME_MAX - len(LOCK_SUFFIX)
    for part in name.split("/"):
        size = len(part.encode("utf-8"))
        if size > limit:
            shown = part[:20] + "…"
            problems.append(
                f"the part '{shown}' is {size} bytes; git stores each part as a file name, "
                f"at most {limit} bytes"
            )
    full = len(f"refs/heads/{name}".encode())
    if full > REF_MAX:
        problems.append(f"the name is {full - 11} bytes; keep it under {REF_MAX - 11}")
    return problems


def git_rule_problems(name: str) -> list[str]:
    """What breaks git's rules for a branch name; empty when git would accept it."""
    if not name:
        return ["the name is empty"]
    problems: list[str] = []
    if name.startswith("-"):
        problems.append("git forbids a leading '-' (it would read as an option)")
    if name == "HEAD":
        problems.append("git forbids the name 'HEAD'")
    controls = sorted({f"U+{ord(c):04X}" for c in name if ord(c) < 0x20 or ord(c) == 0x7F})
    if controls:
        problems.append("git forbids control characters (" + ", ".join(controls) + ")")
    bad = [words for char, words in _BAD_CHARS.items() if char in name]
    if bad:
        problems.append("git forbids " + ", ".join(bad) + " in a branch name")
    if ".." in name:
        problems.append("git forbids '..' (two dots in a row)")
    if "@{" in name:
        problems.append("git forbids '@{' (it reads as a reflog reference)")
    if name.startswith("/"):
        problems.append("git forbids a leading '/'")
    if name.endswith("/"):
        problems.append("git forbids a trailing '/'")
    if "//" in name:
        problems.append("git forbids '//' (an empty part between slashes)")
    if name.endswith("."):
        problems.append("git forbids a trailing '.'")
    for part in name.split("/"):
        if part.startswith("."):
            problems.append(f"git forbids a part starting with '.' ('{part}')")
        if part.endswith(".lock"):
            problems.append(
                f"git forbids a part ending in '.lock' ('{part}'), its lock-file suffix"
            )
    return problems + length_problems(name)


def matches_pattern(name: str, pattern: str) -> bool:
    """The profile's branch pattern must match the whole name."""
    if len(name) > MAX_NAME:
        return False  # bounds the cost of any pattern the load-time check let through
    try:
        return re.fullmatch(pattern, name) is not None
    except re.error:
        return False


def validate_branch_name(name: str, pattern: str | None = None) -> list[str]:
    """Every problem with ``name`` as a new branch: git's rules, then the profile's pattern.

    Each problem is one sentence naming the rule broken and showing a valid name.
    """
    example = example_name(name, pattern)
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)
    if len(shown) > 60:  # a pasted paragraph: the start is enough to recognise it
        shown = shown[:40] + f"… ({len(name)} characters)"
    problems = [
        f"'{shown}' is not a valid branch name: {p} — e.g. '{example}'"
        for p in git_rule_problems(name)
    ]
    if pattern is not None and name and not matches_pattern(name, pattern):
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"the profile's branch pattern '{pattern}' is not a valid regex: {exc}")
        else:
            problems.append(
                f"'{shown}' does not match the team's pattern {pattern} "
                f"(branch.pattern in the profile) — e.g. '{example}'"
            )
    return problems


def example_name(name: str, pattern: str | None) -> str:
    """A valid name to show next to a problem: the name repaired if that works, else a stock one."""
    repaired = repair(name)
    prefixes = dict.fromkeys(example.split("/")[0] for example in EXAMPLES if "/" in example)
    guesses = [repaired] + [f"{prefix}/{repaired}" for prefix in prefixes] if repaired else []
    candidates = guesses + list(EXAMPLES)
    for candidate in candidates:
        if git_rule_problems(candidate):
            continue
        if pattern is None or matches_pattern(candidate, pattern):
            return candidate
    return EXAMPLES[0]


def repair(name: str) -> str:
    """A best-effort valid spelling of ``name``: lower case, bad characters replaced by '-'."""
    text = "".join(
        "-" if (ord(c) < 0x20 or ord(c) == 0x7F or c in _BAD_CHARS) else c for c in name
    ).lower()
    text = re.sub(r"\.{2,}", ".", text.replace("@{", "-"))
    parts = []
    for part in text.split("/"):
        part = re.sub(r"-{2,}", "-", part).strip("-.")
        while part.endswith(".lock"):
            part = part.removesuffix(".lock").rstrip("-.")
        if part:
            parts.append(part)
    result = "/".join(parts).lstrip("-")
    return "" if result == "HEAD" else result
