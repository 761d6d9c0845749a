"""Finding, merging and validating profiles: built-in ones, then the workspace's overrides.

Resolution order (later wins): the profiles shipped in the wheel, then ``.devkit/profiles/*.yaml``
in the workspace. A workspace file with the same name as a built-in one replaces it, unless it
says ``extends: <its own name>``, in which case it changes only what it names.
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from typing import Any

from devkit import safefs
from devkit.config.model import Profile, build_profile
from devkit.config.profile_spec import MAX_CELLS, PROFILE
from devkit.config.schema import Checker
from devkit.config.substitutions import looks_like_credential, variable_problems
from devkit.config.yamlmarks import Located, load_located, read_config
from devkit.core.errors import ConfigError, Problem, ProblemsError
from devkit.core.records import dataclass

ENVIRONMENTS_FILE = "environments.yaml"
MAX_EXTENDS = 32  # the longest 'extends' chain, counted from the profile asked for


@dataclass
class ProfileSource:
    name: str
    located: Located
    layer: int


def builtin_dir() -> Path:
    # The package's folder as the import system maps it (a wheel's, or the repository's
    # profiles/ in an editable install), without importlib.resources' start-up cost.
    spec = importlib.util.find_spec("devkit.builtin_profiles")
    locations = list(spec.submodule_search_locations or []) if spec else []
    return Path(locations[0]) if locations else Path(__file__).parent.parent / "builtin_profiles"


def workspace_dir(workspace: Path | None) -> Path | None:
    return workspace / ".devkit" / "profiles" if workspace else None


def _display(path: Path, workspace: Path | None) -> str:
    if path.parent == builtin_dir():
        return f"<built-in>/{path.name}"
    if workspace:
        try:
            return str(path.relative_to(workspace))
        except ValueError:
            pass
    return str(path)


class ProfileSet:
    """All profiles visible from a workspace, validated together."""

    def __init__(self, workspace: Path | None = None) -> None:
        self.workspace = workspace
        self.problems: list[Problem] = []
        self.layers: list[dict[str, ProfileSource]] = []
        dirs = [builtin_dir(), workspace_dir(workspace)]
        for layer, folder in enumerate(d for d in dirs if d is not None):
            self.layers.append(self._read_layer(folder, layer))
        self._cache: dict[str, Profile] = {}

    def _read_layer(self, folder: Path, layer: int) -> dict[str, ProfileSource]:
        found: dict[str, ProfileSource] = {}
        # The workspace's files may come from an untrusted clone: read through safefs (no
        # committed symlink followed, regular files only, bounded size).
        root = self.workspace if layer > 0 else None
        if root is not None:
            names = safefs.list_dir(folder, root=root)
        else:
            names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        for file_name in names:
            if not file_name.endswith((".yaml", ".yml")):
                continue
            if file_name in (ENVIRONMENTS_FILE, "environments.yml"):
                continue
            path = folder / file_name
            shown = _display(path, self.workspace)
            text, problems = read_config(path, shown, root)
            if text is None:
                self.problems.extend(problems)
                continue
            located, problems = load_located(text, shown)
            self.problems.extend(problems)
            if problems:
                continue
            if not isinstance(located.data, dict):
                self.problems.append(
                    Problem(
                        located.where(()),
                        "a profile must be a mapping",
                        "start with 'name:' and 'description:' lines",
                    )
                )
                continue
            checker = Checker(located)
            PROFILE.check(located.data, (), checker)
            self.problems.extend(checker.problems)
            name = located.data.get("name", path.stem)
            if not isinstance(name, str):
                continue
            if name in found:
                self.problems.append(
                    Problem(
                        located.where(("name",)),
                        f"profile '{name}' is defined twice in {folder.name}/",
                        f"rename one (other: {found[name].located.file})",
                    )
                )
            found[name] = ProfileSource(name, located, layer)
        return found

    def names(self, include_abstract: bool = False) -> list[str]:
        names: set[str] = set()
        for layer in self.layers:
            names.update(layer)
        if include_abstract:
            return sorted(names)
        return sorted(n for n in names if not self._merged(n)[0].get("abstract", False))

    def _source(self, name: str, below: int | None = None) -> ProfileSource | None:
        top = len(self.layers) if below is None else below
        for layer in reversed(self.layers[:top]):
            if name in layer:
                return layer[name]
        return None

    def _merged(self, name: str) -> tuple[dict[str, Any], list[ProfileSource]]:
        """The profile after 'extends', resolved iteratively (a chain of any length is a
        problem at its file:line:col, never a RecursionError)."""
        source = self._source(name, None)
        if source is None:
            raise self._unknown(name)
        chain: list[ProfileSource] = [source]
        seen = [f"{name}@{source.layer}"]
        current, current_name = source, name
        while True:
            parent_name = current.located.data.get("extends")
            if not isinstance(parent_name, str):
                break
            # A file extending its own name builds on the same profile one layer below.
            parent_below = current.layer if parent_name == current_name else None
            parent = self._source(parent_name, parent_below)
            where = current.located.where(("extends",))
            if parent is None:
                raise ProblemsError(
                    [Problem(where, f"extends unknown profile '{parent_name}'", self._known_hint())]
                )
            # A file is identified by its name and layer: a workspace file extending the
            # built-in of the same name is no cycle, a chain that comes back to a file it
            # passed is.
            key = f"{parent_name}@{parent.layer}"
            if key in seen:
                cycle = " -> ".join([*(c.split("@")[0] for c in seen), parent_name])
                raise ProblemsError(
                    [
                        Problem(
                            where,
                            f"'extends' makes a cycle: {cycle}",
                            "remove one 'extends' from the cycle",
                        )
                    ]
                )
            if len(chain) >= MAX_EXTENDS:
                raise ProblemsError(
                    [
                        Problem(
                            where,
                            f"'extends' chain of profile '{name}' is longer than {MAX_EXTENDS}",
                            "extend a profile closer to the root; keep the chain short",
                        )
                    ]
                )
            seen.append(key)
            chain.append(parent)
            current, current_name = parent, parent_name
        data: dict[str, Any] = {}
        for index, item in enumerate(reversed(chain)):
            layer_data = copy.deepcopy(item.located.data)
            layer_data.pop("extends", None)
            layer_data.setdefault("name", item.name)
            data.pop("abstract", None)
            data = deep_merge(data, layer_data) if index else layer_data
        data["name"] = data.get("name", name)
        return data, list(reversed(chain))

    def _known_hint(self) -> str:
        return "known profiles: " + ", ".join(self.names(include_abstract=True))

    def _unknown(self, name: str) -> ConfigError:
        return ConfigError(
            f"unknown profile '{name}'", "known profiles: " + ", ".join(self.names())
        )

    def raise_problems(self) -> None:
        if self.problems:
            raise ProblemsError(self.problems)

    def get(self, name: str) -> Profile:
        """The resolved, fully validated profile; every problem is raised at once."""
        if name in self._cache:
            return self._cache[name]
        self.raise_problems()
        data, sources = self._merged(name)
        if data.get("abstract"):
            raise ConfigError(
                f"profile '{name}' is abstract (a parent for other profiles)",
                "pick one of: " + ", ".join(self.names()),
            )
        top = sources[-1].located
        checker = Checker(top)
        PROFILE.check_required(data, (), checker)
        check_foreign_keys(data, checker)
        check_data_budget(data, checker)
        check_variables(data, sources, checker)
        if checker.problems:
            raise ProblemsError(checker.problems)
        profile = build_profile(data, tuple(s.located.file for s in sources))
        self._cache[name] = profile
        return profile

    def all(self) -> list[Profile]:
        """Every concrete profile; problems in any of them are raised together."""
        self.raise_problems()
        problems: list[Problem] = []
        profiles: list[Profile] = []
        for name in self.names():
            try:
                profiles.append(self.get(name))
            except ProblemsError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ProblemsError(problems)
        return profiles


def check_data_budget(data: dict[str, Any], checker: Checker) -> None:
    """The synthetic dataset as a whole stays small enough to generate in memory."""

    tables = data.get("data", {}).get("synthetic", {}).get("tables", {})
    if not isinstance(tables, dict):
        return
    total = 0
    for spec in tables.values():
        if not isinstance(spec, dict) or not isinstance(spec.get("rows"), int):
            continue
        columns = spec.get("columns", {})
        width = 0
        for col in columns.values() if isinstance(columns, dict) else ():
            words = col.get("words") if isinstance(col, dict) else None
            counts = [w for w in words if isinstance(w, int)] if isinstance(words, list) else []
            width += max([1, *counts])  # a text column costs up to its most words per row
        total += spec["rows"] * max(width, 1)
    if total > MAX_CELLS:
        checker.add(
            ("data", "synthetic", "tables"),
            f"the synthetic tables hold about {total:,} values (rows × columns × words), "
            f"more than {MAX_CELLS:,}",
            "lower the rows (or the words of text columns)",
        )


def check_variables(data: dict[str, Any], sources: list[ProfileSource], checker: Checker) -> None:
    """No ``${localEnv:…}`` copies a host secret into the container (see substitutions)."""

    passthrough = data.get("env_passthrough", [])
    secrets = data.get("secrets", [])
    allowed = (
        {n for n in passthrough if isinstance(n, str)} if isinstance(passthrough, list) else set()
    )
    hidden = {n for n in secrets if isinstance(n, str)} if isinstance(secrets, list) else set()
    for source in sources:
        own = source.located.data
        if not isinstance(own, dict):
            continue
        for path, what, hint in variable_problems(own, allowed, hidden):
            checker.problems.append(Problem(source.located.where(path), what, hint))

    for index, name in enumerate(passthrough):
        if isinstance(name, str) and (looks_like_credential(name) or name in hidden):
            top = next(
                (s for s in reversed(sources) if "env_passthrough" in s.located.data), sources[-1]
            )
            checker.problems.append(
                Problem(
                    top.located.where(("env_passthrough", index)),
                    f"env_passthrough: {name} looks like a credential",
                    "list it under 'secrets:'; secrets travel only in the secrets file",
                )
            )


def check_foreign_keys(data: dict[str, Any], checker: Checker) -> None:
    """Every foreign_key column references a table and column the profile declares."""
    tables = data.get("data", {}).get("synthetic", {}).get("tables", {})
    if not isinstance(tables, dict):
        return
    for table, spec in tables.items():
        columns = spec.get("columns", {}) if isinstance(spec, dict) else {}
        for column, col in columns.items() if isinstance(columns, dict) else ():
            target = col.get("references") if isinstance(col, dict) else None
            if col.get("type") != "foreign_key" or not isinstance(target, str) or "." not in target:
                continue
            ref_table, ref_column = target.split(".", 1)
            ref_columns = tables.get(ref_table, {}).get("columns", {})
            if ref_column not in ref_columns:
                path = ("data", "synthetic", "tables", table, "columns", column, "references")
                checker.add(
                    path,
                    f"{table}.{column} references {target}, which the profile does not declare",
                    "name a TABLE.COLUMN from data.synthetic.tables",
                )


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; lists and scalars in ``override`` replace ``base``."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result
