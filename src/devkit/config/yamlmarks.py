"""Load YAML into plain Python values while remembering where every key and value stood (and
write plain values back as YAML, for display: devkit's one PyYAML user).

Configuration files may come from an untrusted clone, so loading is bounded; each limit is a
problem at FILE:LINE:COL with a hint, never a hang or a traceback:

* ``MAX_CONFIG_BYTES``: ``read_config`` reads at most this many bytes of a regular file and
  refuses devices, FIFOs and folders (a profile symlinked to ``/dev/zero``);
* ``MAX_DEPTH``: nesting of mappings and sequences, counted in the event stream before anything
  is built and again while aliases are expanded;
* ``MAX_ALIASES``: alias nodes (``*name``) in one document;
* ``MAX_NODES``: nodes after alias expansion — a "billion laughs" document stops here.

A document loaded without a problem is remembered (``parsecache``: private, keyed by the file's
name and its exact content), so an everyday command reads it back without importing or running
the YAML parser; PyYAML is imported only when a document must really be parsed (the adapter's
boundary, like the pyarrow one).
"""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Any

from devkit import safefs
from devkit.config import parsecache
from devkit.core.errors import ConfigError, Problem, Where
from devkit.core.records import dataclass, field

TYPE_CHECKING = False  # mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    import yaml

Path = tuple[str | int, ...]

MAX_CONFIG_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_ALIASES = 1000
MAX_NODES = 50_000


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


def _loader() -> type[yaml.SafeLoader]:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def read_config(path: FsPath, shown: str, root: FsPath | None) -> tuple[str | None, list[Problem]]:
    """The text of a configuration file, read safely; problems instead of exceptions.

    With ``root`` (a workspace), a symlink the repository committed on the way is refused
    (RefusedError, exit 4); a device, FIFO, folder or oversized file is a problem.
    """

    try:
        data = safefs.read_bytes(path, MAX_CONFIG_BYTES, root=root)
    except safefs.TooBigError:
        return None, [
            Problem(
                Where(shown, 1, 1),
                f"the file is larger than {MAX_CONFIG_BYTES} bytes",
                "configuration files are small; check what was committed there",
            )
        ]
    except safefs.NotRegularError:
        return None, [
            Problem(
                Where(shown, 1, 1),
                "not a regular file (a device, FIFO or folder)",
                "replace it with a plain YAML file",
            )
        ]
    except ConfigError as exc:
        return None, [Problem(Where(shown, 1, 1), exc.what, exc.hint)]
    except OSError as exc:
        return None, [Problem(Where(shown), f"cannot read: {exc.strerror or exc}", "fix the file")]
    assert data is not None
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [
            Problem(Where(shown, 1, 1), f"not UTF-8 text ({exc.reason})", "save it as UTF-8")
        ]


def _limit(file: str, mark: Any, what: str, hint: str) -> Problem:
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return Problem(Where(file, line, col), what, hint)


def _check_events(text: str, file: str) -> Problem | None:
    """Depth and alias counts from the event stream, before any node is built."""
    import yaml

    depth = 0
    aliases = 0
    for event in yaml.parse(text, Loader=_loader()):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return _limit(
                    file,
                    event.start_mark,
                    f"nested more than {MAX_DEPTH} levels deep",
                    "flatten the structure",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                return _limit(
                    file,
                    event.start_mark,
                    f"more than {MAX_ALIASES} aliases (*name)",
                    "write the values out instead of repeating aliases",
                )
    return None


class _Budget:
    def __init__(self) -> None:
        import yaml

        self.nodes = 0
        self.constructor = yaml.constructor.SafeConstructor()

    def construct(self, node: yaml.Node) -> Any:
        """A scalar node's value as yaml.safe_load would give it."""
        return self.constructor.construct_object(node, deep=True)


class _LimitHit(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.what)
        self.problem = problem


def load_located(text: str, file: str) -> tuple[Located, list[Problem]]:
    """Parse ``text``; YAML syntax errors, duplicate keys and exceeded limits come back as
    problems."""
    located = Located(file, None)
    problems: list[Problem] = []
    if len(text) > MAX_CONFIG_BYTES:
        what = f"the document is larger than {MAX_CONFIG_BYTES} characters"
        problems.append(Problem(Where(file, 1, 1), what, "keep configuration small"))
        return located, problems
    remembered = parsecache.get(text, file)
    if remembered is not None:
        located.data, located.values, located.keys = remembered
        return located, problems
    located, problems = _parse(text, file)
    if not problems:
        parsecache.put(text, file, located.data, located.values, located.keys)
    return located, problems


def _parse(text: str, file: str) -> tuple[Located, list[Problem]]:
    import yaml

    located = Located(file, None)
    problems: list[Problem] = []
    if len(text) > MAX_CONFIG_BYTES:
        what = f"the document is larger than {MAX_CONFIG_BYTES} characters"
        problems.append(Problem(Where(file, 1, 1), what, "keep configuration small"))
        return located, problems
    try:
        limit = _check_events(text, file)
        if limit is not None:
            return located, [limit]
        node = yaml.compose(text, Loader=_loader())
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
    try:
        located.data = _convert(node, (), located, problems, _Budget())
    except _LimitHit as hit:
        located.data = None
        located.values.clear()
        located.keys.clear()
        return located, [hit.problem]
    return located, problems


def _convert(
    node: yaml.Node, path: Path, located: Located, problems: list[Problem], budget: _Budget
) -> Any:
    import yaml

    budget.nodes += 1
    if budget.nodes > MAX_NODES:
        raise _LimitHit(
            _limit(
                located.file,
                node.start_mark,
                f"expands to more than {MAX_NODES} values (aliases repeated inside aliases)",
                "write the values out; aliases may not multiply the document",
            )
        )
    if len(path) > MAX_DEPTH:
        raise _LimitHit(
            _limit(
                located.file,
                node.start_mark,
                f"nested more than {MAX_DEPTH} levels deep once aliases are expanded",
                "do not nest an alias inside itself; flatten the structure",
            )
        )
    located.values[path] = _pos(node)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(
                    Problem(
                        Where(located.file, *_pos(key_node)),
                        "a key must be a plain value, not a mapping or list",
                        "write 'name: value'",
                    )
                )
                continue
            try:
                key_str = str(budget.construct(key_node))
            except yaml.YAMLError as exc:
                problems.append(Problem(Where(located.file, *_pos(key_node)), f"bad key: {exc}"))
                continue
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
            result[key_str] = _convert(value_node, child, located, problems, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, i), located, problems, budget)
            for i, item in enumerate(node.value)
        ]
    try:
        return budget.construct(node)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        problems.append(Problem(Where(located.file, *_pos(node)), f"bad value: {exc}", ""))
        return None


def dump_yaml(value: Any) -> str:
    """``value`` as block-style YAML, keys in their order, without a trailing newline."""
    import yaml

    return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True)).rstrip()
