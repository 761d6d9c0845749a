"""A conservative check that a regular expression cannot backtrack catastrophically.

Profiles come from the repository, and a branch pattern such as ``^(a+)+$`` makes Python's
backtracking matcher take exponential time on a name like ``aaaa…!`` (26 s of CPU for one name
of 30 characters). Python's ``re`` cannot be interrupted, so the check is static and done at load:
a small scanner (no private ``re`` internals) walks the pattern and refuses

* a group repeated by ``*``, ``+``, ``{n,}`` or ``{n,m}`` (m > 1) that itself contains such a
  repetition — ``(a+)+``, ``(a*)*``, ``(\\w+\\s?)*``;
* a repeated group that contains an alternation — ``(a|a)*``, ``(feat|fix)+`` (conservative:
  some of these are harmless, none is needed for a branch name);
* more than ``MAX_UNBOUNDED`` unbounded repetitions in all, whose polynomial blow-up
  (``\\w*\\w*\\w*\\w*…!``) grows with each one.

Names are also matched only up to ``MAX_NAME`` characters (longer ones fail the pattern), which
bounds what a polynomial pattern that passes can cost.
"""

from __future__ import annotations

from devkit.core.records import dataclass

MAX_UNBOUNDED = 3
MAX_NAME = 255
_BIG_REPEAT = 1


@dataclass
class _Frame:
    repeats: bool = False  # contains a repetition (at any depth)
    alternates: bool = False  # contains '|' at its own level or below


def _quantifier(pattern: str, i: int) -> tuple[int, bool, bool]:
    """(index after the quantifier at ``i``, repeats more than once, unbounded)."""
    if i >= len(pattern):
        return i, False, False
    char = pattern[i]
    if char in "*+":
        end = i + 1
    elif char == "?":
        return _skip_modifier(pattern, i + 1), False, False
    elif char == "{":
        close = pattern.find("}", i)
        body = pattern[i + 1 : close] if close > 0 else ""
        low, comma, high = body.partition(",")
        if close < 0 or not (low.strip().isdigit() or (comma and low.strip() == "")):
            return i, False, False  # a literal '{'
        if comma and high.strip() and not high.strip().isdigit():
            return i, False, False
        end = close + 1
        if not comma:
            many = int(low) > _BIG_REPEAT
            return _skip_modifier(pattern, end), many, False
        if not high.strip():
            return _skip_modifier(pattern, end), True, True
        return _skip_modifier(pattern, end), int(high) > _BIG_REPEAT, int(high) > 16
    else:
        return i, False, False
    return _skip_modifier(pattern, end), True, True


def _skip_modifier(pattern: str, i: int) -> int:
    """Skip a lazy '?' or possessive '+' after a quantifier."""
    return i + 1 if i < len(pattern) and pattern[i] in "?+" else i


def _class_end(pattern: str, i: int) -> int:
    """Index after the character class starting at ``pattern[i] == '['``."""
    j = i + 1
    if j < len(pattern) and pattern[j] == "^":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
            continue
        if pattern[j] == "]":
            return j + 1
        j += 1
    return len(pattern)


def backtracking_risk(pattern: str) -> str | None:
    """Why ``pattern`` may backtrack catastrophically; None when the scanner finds no risk."""
    stack = [_Frame()]
    unbounded = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "(":
            if pattern.startswith("(?#", i):
                close = pattern.find(")", i)
                i = len(pattern) if close < 0 else close + 1
                continue
            stack.append(_Frame())
            i += 1
            continue
        if char == ")" and len(stack) > 1:
            frame = stack.pop()
            i, many, endless = _quantifier(pattern, i + 1)
            unbounded += endless
            if many and frame.repeats:
                return "a repeated group contains a repetition (like '(a+)+')"
            if many and frame.alternates:
                return "a repeated group contains alternatives (like '(a|b)*')"
            parent = stack[-1]
            parent.repeats = parent.repeats or frame.repeats or many
            parent.alternates = parent.alternates or frame.alternates
            continue
        if char == "|":
            stack[-1].alternates = True
            i += 1
            continue
        if char == "[":
            i = _class_end(pattern, i)
        elif char == "\\":
            i += 2
        else:
            i += 1
        i, many, endless = _quantifier(pattern, i)
        unbounded += endless
        if many:
            stack[-1].repeats = True
    if unbounded > MAX_UNBOUNDED:
        return f"more than {MAX_UNBOUNDED} unbounded repetitions"
    return None
