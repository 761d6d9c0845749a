"""Pure logic of the git modules: output parsing, where a branch comes from, the hook text."""

from __future__ import annotations

import subprocess

import pytest

from devkit.git.repo import Refs
from devkit.git.state import _changed_paths, _pick_base, parse_status_v2
from devkit.githooks import MARKER, render_pre_push
from devkit.init.branch import plan_source

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_parse_status_v2_on_a_branch_with_every_kind_of_entry() -> None:
    raw = b"\0".join(
        [
            f"# branch.oid {SHA}".encode(),
            b"# branch.head feat/x",
            b"# branch.upstream origin/feat/x",
            b"# branch.ab +1 -0",
            b"2 R. N... 100644 100644 100644 aaa bbb R100 new name.txt",
            b"old name.txt",
            b"? untracked one",
            b"? dir/untracked two",
            b"! ignored",
            b"",
        ]
    )
    parsed = parse_status_v2(raw)
    assert (parsed.branch, parsed.commit, parsed.dirty, parsed.untracked) == (
        "feat/x",
        SHA,
        True,
        2,
    )


def test_parse_status_v2_detached_and_unborn() -> None:
    detached = parse_status_v2(f"# branch.oid {SHA}\0# branch.head (detached)\0".encode())
    assert (detached.branch, detached.commit, detached.dirty) == (None, SHA, False)
    unborn = parse_status_v2(b"# branch.oid (initial)\0# branch.head main\0")
    assert (unborn.branch, unborn.commit) == ("main", None)


def test_parse_status_v2_unmerged_counts_as_dirty() -> None:
    raw = f"# branch.oid {SHA}\0# branch.head main\0u UU N... 1 2 3 4 a b c conflict.py\0"
    assert parse_status_v2(raw.encode()).dirty is True


def test_a_renamed_path_named_like_a_header_is_not_parsed_as_one() -> None:
    fields = [b"# branch.oid (initial)", b"# branch.head main", b"2 R. N... 1 1 1 a b R100 x"]
    raw = b"\x00".join([*fields, b"? y", b""])
    # 'old path' of the rename is "? y": it must be skipped, not counted as untracked.
    assert parse_status_v2(raw).untracked == 0


def test_changed_paths_marks_staged_and_unstaged_and_both_rename_sides() -> None:
    porcelain = "M  staged.py\0 M unstaged.py\0MM both.py\0R  new.py\0old.py\0A  added.py\0"
    assert _changed_paths(porcelain) == {
        "staged.py": "staged change",
        "unstaged.py": "uncommitted change",
        "both.py": "uncommitted change",
        "new.py": "staged change",
        "old.py": "staged change",
        "added.py": "staged change",
    }


def test_pick_base_prefers_the_remote_tracking_branch() -> None:
    listing = "refs/heads/main\nrefs/remotes/origin/main\nrefs/heads/main/nested\n"
    assert _pick_base(listing, "main") == "origin/main"
    assert _pick_base("refs/heads/main\n", "main") == "main"
    assert _pick_base("refs/heads/main/nested\n", "main") is None


def refs(**kw: object) -> Refs:
    base: dict[str, object] = {
        "current": "main",
        "has_commits": True,
        "local": frozenset({"main"}),
        "remote": frozenset(),
        "has_remote": False,
    }
    base.update(kw)
    return Refs(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "fetched", "expected"),
    [
        (refs(current="feat/x"), False, ("none", None)),
        (refs(local=frozenset({"main", "feat/x"})), True, ("switch", "feat/x")),
        (refs(remote=frozenset({"origin/feat/x"})), True, ("track", "origin/feat/x")),
        (refs(remote=frozenset({"origin/main"}), has_remote=True), True, ("create", "origin/main")),
        # Not freshly fetched: the local base wins over a possibly stale origin/main.
        (refs(remote=frozenset({"origin/main"}), has_remote=True), False, ("create", "main")),
        (
            refs(local=frozenset(), remote=frozenset({"origin/main"}), has_remote=True),
            False,
            ("create", "origin/main"),
        ),
        (refs(local=frozenset({"develop"})), False, ("create", None)),
    ],
)
def test_plan_source(state: Refs, fetched: bool, expected: tuple[str, str | None]) -> None:
    assert plan_source(state, "feat/x", "main", fetched) == expected


@pytest.mark.parametrize(
    ("command", "profile"),
    [
        (["/opt/dev kit/bin/devkit"], None),
        (["/usr/bin/python3", "-m", "devkit"], "training"),
        (None, "it's"),
    ],
)
def test_hook_script_is_valid_sh_and_quotes_paths(
    command: list[str] | None, profile: str | None
) -> None:
    script = render_pre_push(command, profile)
    assert script.startswith("#!/bin/sh\n")
    assert MARKER in script
    check = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True)
    assert check.returncode == 0, check.stderr
    if command:
        assert "'/opt/dev kit/bin/devkit'" in script or "/usr/bin/python3 -m devkit" in script
    else:
        assert script.count('"$@"; return $?') == 1  # only the PATH lookup
    if profile == "it's":
        assert "--profile 'it'\"'\"'s'" in script
