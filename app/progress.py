"""The aggregate progress: the minimum over drivers, never going down (pure).

A lazy min-heap keeps each update O(log n) however many drivers there are:
stale entries are dropped when they reach the top, and the heap is rebuilt
when stale entries outnumber live ones.
"""

import heapq


class Progress(object):
    def __init__(self, names):
        self._current = dict.fromkeys(names, 0.0)
        self._heap = [(0.0, name) for name in sorted(self._current)]
        self.shown = 0.0

    def update(self, name, value):
        """Record one driver's progress (100 once finished); return the aggregate.

        A value that is not a number (NaN) changes nothing: min() and max()
        would pass it through as 100, and a driver would count as finished.
        """
        value = as_number(value)
        if value is None:
            return self.aggregate()
        value = max(0.0, min(100.0, value))
        if self._current.get(name) != value:
            self._current[name] = value
            heapq.heappush(self._heap, (value, name))
            if len(self._heap) > 4 * len(self._current) + 16:
                self._heap = [(v, n) for n, v in self._current.items()]
                heapq.heapify(self._heap)
        return self.aggregate()

    def aggregate(self):
        heap = self._heap
        while heap and self._current[heap[0][1]] != heap[0][0]:
            heapq.heappop(heap)
        low = heap[0][0] if heap else 100.0
        self.shown = max(self.shown, low)
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
        number = float("inf") if value > 0 else float("-inf")
    except (TypeError, ValueError):
        return None
    return None if number != number else number


def format_percent(value):
    """Whole numbers print as ints, as the agent's drivers do; always within 0 to 100."""
    value = as_number(value)
    value = 0.0 if value is None else max(0.0, min(100.0, value))
    return int(value) if value == int(value) else round(value, 2)
