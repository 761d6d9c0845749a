"""The static scan of the workload's Python for the environment variables it reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devkit.parity import envscan
from devkit.parity.envscan import candidate_files, glob_regex, scan_source, scan_workspace


def names(source: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for read in scan_source(source, "m.py"):
        found.setdefault(read.name, []).append(read.where)
    return found


def test_each_os_access_form_with_its_line() -> None:
    source = (
        "import os\n"
        "a = os.environ['SUBSCRIPT']\n"
        "b = os.environ.get('GET', 'x')\n"
        "c = os.getenv('GETENV')\n"
        "os.environ.setdefault('SETDEFAULT', '1')\n"
        "d = os.environ.pop('POP', None)\n"
        "if 'MEMBER' in os.environ: pass\n"
        "e = os.getenv(key='KEYWORD')\n"
    )
    assert names(source) == {
        "SUBSCRIPT": ["m.py:2"],
        "GET": ["m.py:3"],
        "GETENV": ["m.py:4"],
        "SETDEFAULT": ["m.py:5"],
        "POP": ["m.py:6"],
        "MEMBER": ["m.py:7"],
        "KEYWORD": ["m.py:8"],
    }


def test_import_aliases_and_from_imports() -> None:
    source = (
        "import os as o\n"
        "from os import environ, getenv as ge\n"
        "from os import environ as E\n"
        "x = o.environ['ALIASED_OS']\n"
        "y = environ.get('FROM_ENVIRON')\n"
        "z = ge('FROM_GETENV')\n"
        "w = E['ENVIRON_ALIAS']\n"
    )
    assert set(names(source)) == {"ALIASED_OS", "FROM_ENVIRON", "FROM_GETENV", "ENVIRON_ALIAS"}


def test_module_constant_keys_resolve_and_other_objects_do_not_count() -> None:
    source = (
        "import os\n"
        "KEY = 'FROM_CONSTANT'\n"
        "a = os.environ[KEY]\n"
        "b = os.environ.get(unknown_variable)\n"  # not a literal: nothing to name
        "config = {}\n"
        "c = config.get('NOT_ENV')\n"  # a dict's get, not the environment's
        "def f(environ):\n"
        "    return environ['NOT_OS_EITHER']\n"  # 'environ' never imported from os
    )
    assert set(names(source)) == {"FROM_CONSTANT"}


def test_pydantic_settings_fields_prefix_and_aliases() -> None:
    source = (
        "from typing import ClassVar\n"
        "from pydantic import AliasChoices, Field\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "class Settings(BaseSettings):\n"
        "    model_config = SettingsConfigDict(env_prefix='APP_')\n"
        "    db_url: str\n"
        "    token: str = Field(alias='SERVICE_TOKEN')\n"
        "    region: str = Field('x', validation_alias=AliasChoices('REGION', 'AWS_REGION'))\n"
        "    cache: ClassVar[int] = 3\n"
        "    _private: int = 0\n"
        "class More(Settings):\n"
        "    extra: int = 1\n"
        "class Legacy(BaseSettings):\n"
        "    level: str = Field('info', env='LOG_LEVEL')\n"
        "    debug: bool = False\n"
        "    class Config:\n"
        "        env_prefix = 'OLD_'\n"
        "class NotSettings:\n"
        "    ignored: int = 0\n"
    )
    found = names(source)
    assert set(found) == {
        "APP_DB_URL", "SERVICE_TOKEN", "REGION", "AWS_REGION", "EXTRA", "LOG_LEVEL", "OLD_DEBUG",
    }  # fmt: skip
    assert found["APP_DB_URL"] == ["m.py:6"]
    reads = scan_source(source, "m.py")
    assert all(not r.case_sensitive for r in reads)  # pydantic-settings matches any case


def test_syntax_error_is_skipped_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text("import os\nos.getenv('GOOD')\n")
    (tmp_path / "bad.py").write_text("import os\nos.getenv('BAD'\n")
    result = scan_workspace(tmp_path)
    assert set(result.names()) == {"GOOD"}
    assert result.files == 1
    assert result.skipped == ["bad.py: not valid Python"]


def test_skipped_folders_and_size_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for rel in (".venv/lib/x.py", ".git/hooks/h.py", "node_modules/p/x.py", "data/gen.py",
                "sample/own.py", "pkg/__pycache__/c.py"):  # fmt: skip
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("import os\nos.getenv('SKIPPED')\n")
    (tmp_path / "pkg" / "app.py").write_text("import os\nos.getenv('KEPT')\n")
    (tmp_path / "pkg" / "big.py").write_text("import os\nos.getenv('TOO_BIG')\n" + "#" * 200)
    monkeypatch.setattr(envscan, "MAX_FILE_BYTES", 100)
    result = scan_workspace(tmp_path, skip=["sample"])
    assert set(result.names()) == {"KEPT"}
    assert result.skipped == ["pkg/big.py: larger than 0 KiB"]


def test_file_count_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(4):
        (tmp_path / f"m{i}.py").write_text(f"import os\nos.getenv('N{i}')\n")
    monkeypatch.setattr(envscan, "MAX_FILES", 2)
    result = scan_workspace(tmp_path)
    assert set(result.names()) == {"N0", "N1"}
    assert len(result.skipped) == 2


def test_symlinks_out_of_the_workspace_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("import os\nos.getenv('OUTSIDE')\n")
    ws = tmp_path / "ws"
    (ws / "pkg").mkdir(parents=True)
    (ws / "pkg" / "real.py").write_text("import os\nos.getenv('INSIDE')\n")
    os.symlink(outside / "secret.py", ws / "link_out.py")
    os.symlink(outside, ws / "dir_out")
    os.symlink(ws / "pkg", ws / "loop")  # a folder symlink, even inside, is not walked
    os.symlink(ws / "pkg" / "real.py", ws / "link_in.py")
    result = scan_workspace(ws)
    assert set(result.names()) == {"INSIDE"}
    assert result.names()["INSIDE"] == ["link_in.py:2", "pkg/real.py:2"]
    assert result.skipped == ["link_out.py: a symlink out of the workspace"]


def test_globs_choose_the_files(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "a.py").write_text("")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "b.py").write_text("")
    (tmp_path / "top.py").write_text("")
    assert candidate_files(tmp_path, ["svc/**/*.py"])[0] == ["svc/a.py"]
    assert candidate_files(tmp_path, ["*.py"])[0] == ["top.py"]
    assert candidate_files(tmp_path, ["**/*.py"])[0] == ["svc/a.py", "tools/b.py", "top.py"]
    assert glob_regex("**/*.py").match("a/b/c.py")
    assert not glob_regex("src/*.py").match("src/x/c.py")


def test_cache_skips_unchanged_files_and_rereads_changed_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, cache = tmp_path / "ws", tmp_path / "cache"
    ws.mkdir()
    (ws / "a.py").write_text("import os\nos.getenv('FIRST')\n")
    assert set(scan_workspace(ws, cache_dir=cache).names()) == {"FIRST"}
    parsed: list[str] = []
    real = envscan.scan_source
    monkeypatch.setattr(
        envscan, "scan_source", lambda src, rel: parsed.append(rel) or real(src, rel)
    )
    assert set(scan_workspace(ws, cache_dir=cache).names()) == {"FIRST"}
    assert parsed == []  # served from the cache
    (ws / "a.py").write_text("import os\nos.getenv('SECOND_NAME')\n")
    assert set(scan_workspace(ws, cache_dir=cache).names()) == {"SECOND_NAME"}
    assert parsed == ["a.py"]
    (cache / envscan.CACHE_FILE).write_text('{"a.py": {"key": "x", "reads": 5}}')  # corrupt
    assert set(scan_workspace(ws, cache_dir=cache).names()) == {"SECOND_NAME"}
