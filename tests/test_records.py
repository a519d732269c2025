"""Record types (app/records.py) and the one timer structure (app/heapmap.py)."""

import copy

import pytest

from app.heapmap import HeapMap
from app.records import record

def point_type():
    # Built in each test, not at import: `make mutate` imports the tests once
    # and then switches mutants of record() on, which a class built at
    # import time would never see.
    return record("Point", "x y label", defaults=("none",))


def test_a_record_is_built_by_position_or_by_name_with_defaults():
    Point = point_type()
    assert Point(1, 2, "a") == (1, 2, "a")
    assert Point(1, y=2) == Point(x=1, y=2, label="none")
    assert (Point(1, 2).x, Point(1, 2).y, Point(1, 2).label) == (1, 2, "none")


@pytest.mark.parametrize("build, complaint", [
    (lambda Point: Point(1), "Point needs a value for 'y'"),
    (lambda Point: Point(1, 2, 3, 4), "Point takes 3 values, got 4"),
    (lambda Point: Point(1, 2, colour=3, size=4), "Point has no field colour, size"),
    (lambda Point: Point(y=2), "Point needs a value for 'x'"),
])
def test_a_record_refuses_missing_extra_or_unknown_values(build, complaint):
    with pytest.raises(TypeError) as err:
        build(point_type())
    assert str(err.value) == complaint


def test_a_record_without_defaults_needs_every_value_and_has_a_doc():
    Pair = record("Pair", "left right")
    assert Pair(1, 2) == (1, 2) and Pair(right=2, left=1) == (1, 2)
    with pytest.raises(TypeError) as err:
        Pair(1)
    assert str(err.value) == "Pair needs a value for 'right'"
    assert Pair.__doc__ == "Pair(left, right)"
    assert record("Doc", "a", doc="said").__doc__ == "said"
    assert record("Two", "a b c", defaults=(1, 2))(0) == (0, 1, 2)


def test_a_record_replaces_prints_and_deep_copies_like_a_namedtuple():
    Point = point_type()
    p = Point(1, 2)
    assert p._replace(y=5) == Point(1, 5, "none") and p == (1, 2, "none")
    assert p._asdict() == {"x": 1, "y": 2, "label": "none"}
    assert repr(p) == "Point(x=1, y=2, label='none')"
    assert Point._fields == ("x", "y", "label")
    assert copy.deepcopy(p) == p and type(copy.deepcopy(p)) is Point
    with pytest.raises(AttributeError):     # __slots__: no per-instance dict
        p.colour = "red"


def test_the_smallest_value_is_at_hand_and_follows_every_change():
    h = HeapMap([("a", 5.0), ("b", 3.0)])
    assert h.first() == (3.0, "b")
    h.set("b", 9.0)
    assert h.first() == (5.0, "a")
    h.discard("a")
    assert h.first() == (9.0, "b") and "a" not in h and len(h) == 1
    h.discard("b")
    assert h.first() is None


def test_due_keys_leave_the_map_smallest_first_and_later_ones_stay():
    h = HeapMap()
    for key, when in [(3, 30.0), (1, 10.0), (2, 20.0)]:
        h.set(key, when)
    h.set(1, 25.0)      # moved later: no longer due at 20
    assert h.pop_due(20.0) == [2]
    assert h.pop_due(26.0) == [1]
    assert h.get(3) == 30.0 and h.pop_due(100.0) == [3] and len(h) == 0


def test_many_updates_keep_the_heap_small():
    h = HeapMap([("a", 0.0)])
    for value in range(10000):
        h.set("a", float(value))
    assert len(h._heap) <= 4 * len(h) + 17
    assert h.first() == (9999.0, "a")


def test_stale_entries_are_bounded_by_4_per_key_plus_16():
    # Every set() leaves the old entry behind (a lazy heap); the map rebuilds
    # once they pass 4 * keys + 16, so a driver printing a million progress
    # lines costs no more memory than one printing ten. (The one test here
    # that looks inside: this bound is the point of the structure.)
    h = HeapMap([("a", 0.0), ("b", 0.0)])
    sizes = []
    for i in range(1, 60):
        h.set("a" if i % 2 else "b", float(i))
        sizes.append(len(h._heap))
    assert max(sizes) == 4 * 2 + 16 and min(sizes[10:]) == 2
    assert h.first() == (58.0, "b")


def test_a_missing_key_gives_the_default_asked_for():
    h = HeapMap([("a", 1.0)])
    assert (h.get("a", 7), h.get("x", 7), h.get("x")) == (1.0, 7, None)
