"""Load YAML into plain Python values while remembering where every key and value stood."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from devkit.errors import Problem, Where

Path = tuple[str | int, ...]


@dataclass
class Located:
    """A parsed document and the positions (1-based line, column) of its keys and values."""

    file: str
    data: Any
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path, key: bool = False) -> Where:
        """The closest known position of ``path`` (walking up to a parent if needed)."""
        table = self.keys if key else self.values
        probe = path
        while probe:
            if probe in table:
                line, col = table[probe]
                return Where(self.file, line, col)
            if probe in self.values:
                line, col = self.values[probe]
                return Where(self.file, line, col)
            probe = probe[:-1]
        line, col = self.values.get((), (1, 1))
        return Where(self.file, line, col)


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _construct(node: yaml.Node) -> Any:
    """A scalar node's value as yaml.safe_load would give it."""
    return yaml.SafeLoader("").construct_object(node, deep=True)


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def load_located(text: str, file: str) -> tuple[Located, list[Problem]]:
    """Parse ``text``; YAML syntax errors and duplicate keys come back as problems."""
    located = Located(file, None)
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = f"YAML syntax error: {exc.problem or exc.context}"
        problems.append(Problem(Where(file, line, col), what, "fix the YAML syntax"))
        return located, problems
    except yaml.YAMLError as exc:
        problems.append(Problem(Where(file, 1, 1), f"YAML error: {exc}", "fix the YAML syntax"))
        return located, problems
    if node is None:
        located.data = {}
        return located, problems
    located.data = _convert(node, (), located, problems)
    return located, problems


def _convert(node: yaml.Node, path: Path, located: Located, problems: list[Problem]) -> Any:
    located.values[path] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_str = str(_construct(key_node))
            child = (*path, key_str)
            if key_str in result:
                problems.append(
                    Problem(
                        Where(located.file, *_pos(key_node)),
                        f"duplicate key '{key_str}'",
                        "keep one of them",
                    )
                )
            located.keys[child] = _pos(key_node)
            result[key_str] = _convert(value_node, child, located, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), located, problems) for i, item in enumerate(node.value)]
    try:
        return _construct(node)
    except yaml.YAMLError as exc:
        problems.append(Problem(Where(located.file, *_pos(node)), f"bad value: {exc}", ""))
        return None
