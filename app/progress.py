"""The aggregate progress: the minimum over drivers, never going down (pure)."""

from app.heapmap import HeapMap

INF = float("inf")


class Progress(object):
    def __init__(self, names):
        self._current = HeapMap((name, 0.0) for name in names)
        self.shown = 0.0

    def update(self, name, value):
        """Record one driver's progress (100 once finished); return the aggregate.

        A value that is not a number (NaN) changes nothing: min() and max()
        would pass it through as 100, and a driver would count as finished.
        """
        value = as_number(value)
        if value is not None:
            self._current.set(name, max(0.0, min(100.0, value)))
        return self.aggregate()

    def aggregate(self):
        low = self._current.first()
        self.shown = max(self.shown, 100.0 if low is None else low[0])
        return self.shown


def as_number(value):
    """A driver's progress as a float, or None when it is not a number.

    NaN is not a number; infinities and integers too large for a float are
    kept as infinities, which clamp to 0 or 100.
    """
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:       # an int beyond 1e308
        number = INF if value > 0 else -INF
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def format_percent(value):
    """Whole numbers print as ints, as the agent's drivers do; always within 0 to 100."""
    value = as_number(value)
    value = 0.0 if value is None else max(0.0, min(100.0, value))
    return int(value) if value == int(value) else round(value, 2)
