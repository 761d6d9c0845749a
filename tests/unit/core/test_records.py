"""devkit.core.records behaves as ``dataclasses`` does for everything devkit uses: each case runs
against both, so a difference is a failure, and what records refuse is refused loudly."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from devkit.core import records

# Both modules offer the same names: dataclass, field, replace, asdict, FrozenInstanceError.
IMPLEMENTATIONS = {"records": records, "dataclasses": dataclasses}


@pytest.fixture(params=list(IMPLEMENTATIONS))
def impl(request: pytest.FixtureRequest) -> Any:
    return IMPLEMENTATIONS[request.param]


def classes(impl: Any) -> SimpleNamespace:
    dataclass, field = impl.dataclass, impl.field

    @dataclass(frozen=True)
    class Point:
        x: int
        y: int = 0
        label: str = field(default="", compare=False)

    @dataclass
    class Bag:
        name: str
        items: list[int] = field(default_factory=list)
        secret: str = field(default="", repr=False)
        points: tuple[Point, ...] = ()
        limit: ClassVar[int] = 3
        seen: list[str] = field(default_factory=list, repr=False, compare=False)

        def __post_init__(self) -> None:
            self.seen.append(self.name)

    @dataclass
    class Child(Bag):
        extra: dict[str, Point] = field(default_factory=dict)

        def __repr__(self) -> str:
            return f"Child<{self.name}>"

    return SimpleNamespace(Point=Point, Bag=Bag, Child=Child)


def test_init_takes_fields_by_position_or_name_with_defaults_and_fresh_factories(impl: Any) -> None:
    c = classes(impl)
    first, second = c.Bag("a"), c.Bag(name="b", items=[1])
    assert (first.name, first.items, first.secret, first.points) == ("a", [], "", ())
    assert second.items == [1]
    first.items.append(5)
    assert c.Bag("c").items == []  # a new list per instance
    assert first.seen == ["a"]  # __post_init__ ran
    assert c.Point(1, 2).y == 2 and c.Point(x=3).y == 0
    assert c.Bag.limit == 3 and "limit" not in repr(first)  # a ClassVar is no field
    with pytest.raises(TypeError):
        c.Bag()
    with pytest.raises(TypeError):
        c.Bag("a", nonsense=1)


def test_repr_eq_and_hash(impl: Any) -> None:
    c = classes(impl)
    assert repr(c.Point(1, 2, "p")) == f"{c.Point.__qualname__}(x=1, y=2, label='p')"
    assert "secret" not in repr(c.Bag("a", secret="s3cr3t"))
    assert "seen" not in repr(c.Bag("a"))
    assert c.Point(1, 2, "a") == c.Point(1, 2, "b")  # label: compare=False
    assert c.Point(1, 2) != c.Point(2, 1)
    assert c.Bag("a") == c.Bag("a") and c.Bag("a") != c.Bag("b")
    assert c.Bag("a") != c.Child("a")  # another class is never equal
    assert hash(c.Point(1, 2, "a")) == hash(c.Point(1, 2, "b"))
    assert len({c.Point(1, 2), c.Point(1, 2), c.Point(2, 2)}) == 2
    with pytest.raises(TypeError):
        hash(c.Bag("a"))  # mutable records are unhashable


def test_frozen_records_refuse_assignment(impl: Any) -> None:
    point = classes(impl).Point(1)
    with pytest.raises(impl.FrozenInstanceError):
        point.x = 2
    with pytest.raises(AttributeError):
        del point.y
    assert point.x == 1


def test_inherited_fields_come_first_and_own_methods_are_kept(impl: Any) -> None:
    c = classes(impl)
    child = c.Child("k", [1], "", (), [], {"p": c.Point(1)})
    assert child.extra == {"p": c.Point(1)}
    assert repr(child) == "Child<k>"
    assert child.seen == ["k"]


def test_replace_and_asdict(impl: Any) -> None:
    c = classes(impl)
    bag = c.Bag("a", [1, 2], points=(c.Point(1, 2, "p"),))
    other = impl.replace(bag, name="b")
    assert (other.name, other.items, other.points) == ("b", [1, 2], bag.points)
    assert other.seen is bag.seen and bag.seen == ["a", "b"]  # same values, through __init__
    with pytest.raises(TypeError):
        impl.replace(bag, nonsense=1)
    plain = impl.asdict(c.Child("k", [1], extra={"p": c.Point(3)}))
    assert plain == {
        "name": "k",
        "items": [1],
        "secret": "",
        "points": (),
        "seen": ["k"],
        "extra": {"p": {"x": 3, "y": 0, "label": ""}},
    }
    assert plain["items"] is not bag.items
    with pytest.raises(TypeError):
        impl.asdict({"not": "a record"})


def test_a_field_annotated_again_keeps_its_inherited_default(impl: Any) -> None:
    @impl.dataclass
    class Base:
        size: int = 4

    @impl.dataclass
    class Again(Base):
        size: int  # type: ignore[misc]
        name: str = "x"

    assert Again().size == 4
    assert impl.asdict(Again(2)) == {"size": 2, "name": "x"}


def test_mistakes_are_refused_when_the_class_is_made(impl: Any) -> None:
    with pytest.raises(ValueError, match="mutable default"):

        @impl.dataclass
        class Shared:
            items: list[int] = []  # noqa: RUF012 - the mistake under test

    with pytest.raises(TypeError, match="non-default argument"):

        @impl.dataclass
        class Order:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(ValueError):
        impl.field(default=1, default_factory=list)


def test_what_records_do_not_implement_is_refused_not_ignored() -> None:
    with pytest.raises(TypeError):
        records.dataclass(order=True)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        records.field(init=False)  # type: ignore[call-overload]


def test_records_load_neither_dataclasses_nor_inspect() -> None:
    code = (
        "import sys\n"
        "from devkit.core.records import dataclass\n"
        "@dataclass(frozen=True)\n"
        "class P:\n"
        "    x: int\n"
        "assert P(1) == P(1)\n"
        "print(sorted({'dataclasses', 'inspect', 'typing'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
