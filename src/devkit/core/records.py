"""Records: the part of ``dataclasses`` devkit uses, without what it costs at start-up.

``dataclasses`` imports ``inspect`` (and with it ``ast``, ``dis`` and ``tokenize``), then builds
every class by compiling several methods and computing a signature for its docstring. Here that
was about 20 ms for the import and 15-30 ms for the 40 classes a cold ``devkit sync-data``
loads, most of the time such a command spends before its first request. This module builds the
same classes for a fraction of that: one small compiled ``__init__`` per class (so creating an
instance costs what it does with ``dataclasses``), the other methods shared.

The names are the standard library's (``dataclass``, ``field``, ``replace``, ``asdict``) and
mypy reads the standard library's (imported below for type checking only), so every record's
``__init__`` is type-checked exactly as a dataclass's. At run time:

* ``@dataclass`` and ``@dataclass(frozen=True)``: the fields are the class's annotations after
  those of its record bases, ``ClassVar`` ones left out. ``__init__`` takes them positionally or
  by name, with their defaults (``default_factory`` called per instance), then calls
  ``__post_init__`` when the class has one. ``__repr__`` and ``__eq__`` cover the fields, minus
  ``repr=False`` and ``compare=False`` ones. Methods the class defines itself are kept. A frozen
  record refuses assignment and is hashed by its compared fields; any other is unhashable, as a
  dataclass is.
* ``field(default=..., default_factory=..., repr=..., compare=...)``.
* ``replace(record, **changes)``; ``asdict(record)``, which converts records, lists, tuples and
  dicts inside and deep-copies anything else, as ``dataclasses.asdict`` does.

What ``dataclasses`` offers beyond that (``order``, ``slots``, ``kw_only``, ``init=False``,
``InitVar``, ...) is refused when the class is made (an unexpected keyword), never ignored.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing costs start-up time; mypy reads this as typing.TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Callable
    from dataclasses import asdict, dataclass, field, replace
    from typing import Any

__all__ = ["FrozenInstanceError", "asdict", "dataclass", "field", "replace"]

FIELDS = "__record_fields__"  # not dataclasses' name: nothing mistakes a record for a dataclass


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class Field:
    __slots__ = ("compare", "default", "default_factory", "repr")

    def __init__(
        self, default: Any, default_factory: Any, repr: bool = True, compare: bool = True
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.default, self.default_factory = default, default_factory
        self.repr, self.compare = repr, compare


def _field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    return Field(default, default_factory, repr, compare)


def _is_classvar(annotation: object) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    typing = sys.modules.get("typing")  # a real ClassVar object means typing is loaded
    return typing is not None and (
        annotation is typing.ClassVar or getattr(annotation, "__origin__", None) is typing.ClassVar
    )


def _collect(cls: type) -> dict[str, Field]:
    fields: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        fields.update(base.__dict__.get(FIELDS, {}))
    own = cls.__dict__.get("__annotations__")  # noqa: RUF063 - inspect is what this avoids
    if own is None:  # Python 3.14 keeps a class's annotations behind __annotate__
        own = getattr(cls, "__annotations__", {}) if "__annotate__" in cls.__dict__ else {}
    for name, annotation in own.items():
        if _is_classvar(annotation):
            continue
        value = getattr(cls, name, MISSING)  # a default may come from a base class
        if isinstance(value, Field):
            made = value
            if made.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, made.default)
        else:
            made = Field(value, MISSING)
        if isinstance(made.default, (list, dict, set)):
            raise ValueError(
                f"mutable default {type(made.default).__name__} for field {name} of "
                f"{cls.__qualname__}: use default_factory"
            )
        fields[name] = made
    return fields


def _make_init(cls: type, fields: dict[str, Field], frozen: bool) -> Callable[..., None]:
    params: list[str] = []
    body: list[str] = []
    scope: dict[str, Any] = {"MISSING": MISSING, "__set": object.__setattr__}
    defaulted = False
    for name, spec in fields.items():
        if spec.default_factory is not MISSING:
            scope[f"__factory_{name}"] = spec.default_factory
            params.append(f"{name}=MISSING")
            value = f"__factory_{name}() if {name} is MISSING else {name}"
        elif spec.default is not MISSING:
            scope[f"__default_{name}"] = spec.default
            params.append(f"{name}=__default_{name}")
            value = name
        else:
            if defaulted:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            params.append(name)
            value = name
        defaulted = defaulted or spec.default is not MISSING or spec.default_factory is not MISSING
        body.append(f"__set(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n " + "\n ".join(body or ["pass"])
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    return init


def _repr(self: object) -> str:
    fields: dict[str, Field] = getattr(type(self), FIELDS)
    shown = ", ".join(f"{n}={getattr(self, n)!r}" for n, f in fields.items() if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _key(self: object) -> tuple[Any, ...]:
    fields: dict[str, Field] = getattr(type(self), FIELDS)
    return tuple(getattr(self, n) for n, f in fields.items() if f.compare)


def _eq(self: object, other: object) -> Any:  # a bool, or NotImplemented
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _key(self) == _key(other)


def _hash(self: object) -> int:
    return hash(_key(self))


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _process(cls: type, frozen: bool) -> type:
    own = cls.__dict__
    explicit_hash = "__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)
    fields = _collect(cls)
    setattr(cls, FIELDS, fields)
    methods: dict[str, Any] = {
        "__init__": _make_init(cls, fields, frozen),
        "__repr__": _repr,
        "__eq__": _eq,
        "__match_args__": tuple(fields),
    }
    if frozen:
        methods["__setattr__"] = _frozen_setattr
        methods["__delattr__"] = _frozen_delattr
    for name, method in methods.items():
        if name not in own:
            setattr(cls, name, method)
    if not explicit_hash:
        cls.__hash__ = _hash if frozen else None  # type: ignore[assignment]
    return cls


def _dataclass(cls: type | None = None, /, *, frozen: bool = False) -> Any:
    if cls is None:
        return lambda made: _process(made, frozen)
    return _process(cls, frozen)


def _replace(record: Any, /, **changes: Any) -> Any:
    for name in getattr(type(record), FIELDS):
        if name not in changes:
            changes[name] = getattr(record, name)
    return type(record)(**changes)


def _plain(value: Any) -> Any:
    fields = getattr(type(value), FIELDS, None)
    if fields is not None:
        return {name: _plain(getattr(value, name)) for name in fields}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a named tuple
        return type(value)(*[_plain(v) for v in value])
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return type(value)((_plain(k), _plain(v)) for k, v in value.items())
    import copy

    return copy.deepcopy(value)


def _asdict(record: Any) -> dict[str, Any]:
    if getattr(type(record), FIELDS, None) is None:
        raise TypeError("asdict() should be called on record instances")
    result: dict[str, Any] = _plain(record)
    return result


if not TYPE_CHECKING:
    dataclass = _dataclass
    field = _field
    replace = _replace
    asdict = _asdict
