"""Which environment variables the workload's own code reads: a static scan of its Python.

Parsed with ``ast`` (never executed, never matched with regexes). Recognised reads, with any
import alias (``import os as o``, ``from os import environ as env, getenv``):

- ``os.environ["X"]``, ``os.environ.get("X")``, ``.setdefault("X")``, ``.pop("X")``,
  ``"X" in os.environ``, ``os.getenv("X")`` (also ``key="X"``);
- a name bound at module level to a string literal (``KEY = "X"; os.getenv(KEY)``);
- pydantic-settings classes (a class deriving from ``BaseSettings``, or from such a class in the
  same file): each field is ``env_prefix`` + its name (case-insensitive, as pydantic-settings
  reads it) unless ``Field(alias=…)``, ``validation_alias=…`` (a string or ``AliasChoices``)
  or pydantic v1's ``env=…`` names it; ``env_prefix`` from ``model_config =
  SettingsConfigDict(env_prefix=…)`` (or ``dict(…)``) or a v1 ``class Config``.

Which files: the profile's ``parity.scan`` globs (default ``**/*.py``) below the workspace,
walked without following symlinked folders; a symlinked file is read only when it resolves
inside the workspace. Folders in ``SKIP_DIRS`` (and the profile's data folder) are skipped,
files over ``MAX_FILE_BYTES`` are skipped, at most ``MAX_FILES`` are parsed, and a file that
does not parse is listed as skipped, not fatal. Only names and ``file:line`` are recorded.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.core.errors import DevkitError
from devkit.core.records import dataclass, field

DEFAULT_GLOBS = ("**/*.py",)
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
        ".mypy_cache", ".ruff_cache", ".pytest_cache", ".devkit", ".devcontainer", "data",
        "site-packages", "dist", "build", ".eggs",
    }
)  # fmt: skip
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 5000
MAX_LOCATIONS = 5  # file:line kept per name


@dataclass
class Read:
    name: str
    where: str  # "path:line"
    case_sensitive: bool = True


@dataclass
class ScanResult:
    reads: list[Read] = field(default_factory=list)
    files: int = 0
    skipped: list[str] = field(default_factory=list)  # "path: why"

    def names(self) -> dict[str, list[str]]:
        """{NAME: [file:line, ...]} (at most MAX_LOCATIONS each), sorted by name."""
        found: dict[str, list[str]] = {}
        for read in self.reads:
            places = found.setdefault(read.name, [])
            if read.where not in places and len(places) < MAX_LOCATIONS:
                places.append(read.where)
        return dict(sorted(found.items()))

    def case_insensitive(self) -> list[str]:
        strict = {r.name for r in self.reads if r.case_sensitive}
        return sorted({r.name for r in self.reads if not r.case_sensitive} - strict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "reads": self.names(),
            "case_insensitive": self.case_insensitive(),
            "files": self.files,
            "skipped": self.skipped[:20],
        }


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob over '/'-separated relative paths: ``**/`` any folders (or none), ``*`` and ``?``
    within one path part, ``[...]`` a character class."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            out.append("[" + pattern[i + 1 : end].replace("\\", "\\\\") + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def candidate_files(
    root: Path, globs: Sequence[str], skip: Iterable[str] = ()
) -> tuple[list[str], list[str]]:
    """(relative paths to scan, "path: why" for those left out), sorted, bounded."""
    patterns = [glob_regex(g) for g in globs or DEFAULT_GLOBS]
    skip_paths = {s.strip("/") for s in skip if s.strip("/")}
    resolved_root = root.resolve()
    found: list[str] = []
    skipped: list[str] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        rel_folder = Path(folder).relative_to(root).as_posix()
        prefix = "" if rel_folder == "." else rel_folder + "/"
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and (prefix + d) not in skip_paths
            and not (Path(folder) / d).is_symlink()
        )
        for name in sorted(files):
            rel = prefix + name
            if not any(p.match(rel) for p in patterns):
                continue
            path = Path(folder) / name
            try:
                if path.is_symlink() and not path.resolve().is_relative_to(resolved_root):
                    skipped.append(f"{rel}: a symlink out of the workspace")
                    continue
                size = path.stat().st_size
            except OSError:
                skipped.append(f"{rel}: unreadable")
                continue
            if size > MAX_FILE_BYTES:
                skipped.append(f"{rel}: larger than {MAX_FILE_BYTES // 1024} KiB")
                continue
            if len(found) >= MAX_FILES:
                skipped.append(f"{rel}: over the limit of {MAX_FILES} files")
                continue
            found.append(rel)
    return sorted(found), skipped


CACHE_FILE = "envscan.json"


def scan_workspace(
    root: Path,
    globs: Sequence[str] = DEFAULT_GLOBS,
    skip: Iterable[str] = (),
    cache_dir: Path | None = None,
) -> ScanResult:
    """Scan the files ``globs`` choose; with ``cache_dir``, a file whose size and mtime are as
    last time is not parsed again (``envscan.json`` there: names and lines only)."""
    files, skipped = candidate_files(root, globs, skip)
    result = ScanResult(skipped=skipped)
    cache = _read_cache(cache_dir / CACHE_FILE) if cache_dir else {}
    fresh: dict[str, Any] = {}
    for rel in files:
        path = root / rel
        try:
            st = path.stat()
            key = [st.st_size, st.st_mtime_ns]
            hit = _cached(cache.get(rel), key)
            if hit is not None:
                reads, ok = hit
            else:
                try:
                    reads, ok = scan_source(path.read_bytes(), rel), True
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    reads, ok = [], False
        except OSError:
            result.skipped.append(f"{rel}: unreadable")
            continue
        fresh[rel] = {
            "key": key,
            "ok": ok,
            "reads": [[r.name, r.where, r.case_sensitive] for r in reads],
        }
        if not ok:
            result.skipped.append(f"{rel}: not valid Python")
            continue
        result.reads.extend(reads)
        result.files += 1
    if cache_dir is not None and fresh != cache:
        _write_cache(cache_dir / CACHE_FILE, fresh)
    return result


def _cached(entry: Any, key: list[int]) -> tuple[list[Read], bool] | None:
    """A cache entry's reads when it is for this very file version; None otherwise."""
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    try:
        reads = [Read(str(n), str(w), bool(c)) for n, w, c in entry.get("reads", [])]
    except (TypeError, ValueError):
        return None
    return reads, bool(entry.get("ok"))


def _read_cache(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no cache, or a broken one: only a slower scan
    return data if isinstance(data, dict) else {}


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    # A read-only workspace (or a refused committed symlink) scans every time.
    with contextlib.suppress(OSError, DevkitError):
        safefs.write_text(path, json.dumps(data))  # no committed symlink followed


def scan_source(source: str | bytes, rel: str) -> list[Read]:
    """The environment reads in one file's source; SyntaxError when it does not parse."""
    tree = ast.parse(source, filename=rel)
    return _Scanner(rel, tree).reads


def _literal(node: ast.AST | None, constants: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


_ENV_METHODS = frozenset({"get", "setdefault", "pop"})
_SETTINGS_BASES = frozenset({"BaseSettings"})


class _Scanner(ast.NodeVisitor):
    def __init__(self, rel: str, tree: ast.Module) -> None:
        self.rel = rel
        self.reads: list[Read] = []
        self.os_names: set[str] = set()  # names bound to the os module
        self.environ_names: set[str] = set()  # names bound to os.environ
        self.getenv_names: set[str] = set()  # names bound to os.getenv
        self.constants: dict[str, str] = {}
        self.settings_classes: set[str] = set()
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target = stmt.targets[0]
                value = _literal(stmt.value, {})
                if isinstance(target, ast.Name) and value is not None:
                    self.constants[target.id] = value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                value = _literal(stmt.value, {})
                if value is not None:
                    self.constants[stmt.target.id] = value
        self.visit(tree)

    def add(self, name: str, node: ast.AST, case_sensitive: bool = True) -> None:
        if name:
            line = getattr(node, "lineno", 0)
            self.reads.append(Read(name, f"{self.rel}:{line}", case_sensitive))

    # imports -------------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "os":
                self.os_names.add(alias.asname or "os")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "os":
            for alias in node.names:
                if alias.name == "environ":
                    self.environ_names.add(alias.asname or "environ")
                elif alias.name == "getenv":
                    self.getenv_names.add(alias.asname or "getenv")

    # what counts as os.environ / os.getenv ----------------------------------------------------
    def is_environ(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.environ_names
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.os_names
        )

    def is_getenv(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.getenv_names
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "getenv"
            and isinstance(node.value, ast.Name)
            and node.value.id in self.os_names
        )

    # reads -----------------------------------------------------------------------------------
    def visit_Subscript(self, node: ast.Subscript) -> None:
        if self.is_environ(node.value):
            name = _literal(node.slice, self.constants)
            if name is not None:
                self.add(name, node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        key: ast.AST | None = node.args[0] if node.args else None
        if key is None:
            key = next((k.value for k in node.keywords if k.arg == "key"), None)
        if self.is_getenv(func) or (
            isinstance(func, ast.Attribute)
            and func.attr in _ENV_METHODS
            and self.is_environ(func.value)
        ):
            name = _literal(key, self.constants)
            if name is not None:
                self.add(name, node)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        if (
            len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and self.is_environ(node.comparators[0])
        ):
            name = _literal(node.left, self.constants)
            if name is not None:
                self.add(name, node)
        self.generic_visit(node)

    # pydantic-settings ------------------------------------------------------------------------
    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = {_base_name(b) for b in node.bases}
        if bases & (_SETTINGS_BASES | self.settings_classes):
            self.settings_classes.add(node.name)
            self.settings_fields(node)
        self.generic_visit(node)

    def settings_fields(self, node: ast.ClassDef) -> None:
        prefix = _env_prefix(node, self.constants)
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            field_name = stmt.target.id
            if field_name.startswith("_") or field_name == "model_config":
                continue
            if _base_name(stmt.annotation) == "ClassVar" or (
                isinstance(stmt.annotation, ast.Subscript)
                and _base_name(stmt.annotation.value) == "ClassVar"
            ):
                continue
            aliases = _field_aliases(stmt.value, self.constants)
            if aliases:
                for alias in aliases:
                    self.add(alias, stmt, case_sensitive=False)
            else:
                self.add((prefix + field_name).upper(), stmt, case_sensitive=False)


def _base_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _env_prefix(node: ast.ClassDef, constants: dict[str, str]) -> str:
    for stmt in node.body:
        if (
            isinstance(stmt, ast.Assign | ast.AnnAssign)
            and any(
                isinstance(t, ast.Name) and t.id == "model_config"
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            )
            and isinstance(stmt.value, ast.Call)
        ):
            for kw in stmt.value.keywords:
                if kw.arg == "env_prefix":
                    return _literal(kw.value, constants) or ""
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "env_prefix" for t in inner.targets
                ):
                    return _literal(inner.value, constants) or ""
    return ""


def _field_aliases(value: ast.AST | None, constants: dict[str, str]) -> list[str]:
    """Names ``Field(alias=…, validation_alias=…, env=…)`` gives a settings field."""
    if not isinstance(value, ast.Call) or _base_name(value.func) != "Field":
        return []
    names: list[str] = []
    for kw in value.keywords:
        if kw.arg not in ("alias", "validation_alias", "env"):
            continue
        names.extend(_alias_names(kw.value, constants))
    return list(dict.fromkeys(names))


def _alias_names(node: ast.AST, constants: dict[str, str]) -> Iterator[str]:
    literal = _literal(node, constants)
    if literal is not None:
        yield literal
    elif isinstance(node, ast.Call) and _base_name(node.func) == "AliasChoices":
        for arg in node.args:
            value = _literal(arg, constants)
            if value is not None:
                yield value
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for elt in node.elts:
            value = _literal(elt, constants)
            if value is not None:
                yield value


def profile_skip(profile: Any) -> list[str]:
    """Folders the scan leaves out for ``profile`` besides SKIP_DIRS: its dataset."""
    data = getattr(profile, "data", None)
    return [data.dest] if data is not None else []


def workload_env_use(root: Path, profile: Any, cache_dir: Path | None = None) -> dict[str, Any]:
    """What a fingerprint records of the names the workload uses (names and places only):
    ``{"declared": [...], "reads": {NAME: [file:line]}, "case_insensitive": [...],
    "files": N, "skipped": [...]}``."""
    declared = sorted({*profile.env, *profile.secrets})
    scan = scan_workspace(
        root, profile.parity_scan or DEFAULT_GLOBS, profile_skip(profile), cache_dir
    )
    return {"declared": declared, **scan.to_dict()}
