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
        """Record one driver's progress (100 once finished); return the aggregate."""
        value = max(0.0, min(100.0, float(value)))
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
    """A driver's progress as a float, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def format_percent(value):
    """Whole numbers print as ints, as the agent's drivers do."""
    return int(value) if value == int(value) else round(value, 2)
