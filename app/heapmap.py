"""A mapping whose smallest value is always at hand (pure).

magg's timers (who is hung when, whose SIGKILL is due when) and the
aggregate progress (the minimum over drivers) are all "key -> value, and
the smallest value now". A lazy heap serves all three: setting a value only
pushes an entry; entries whose value has changed since are dropped when they
reach the top, and the heap is rebuilt when stale entries outnumber live
ones, so every operation stays O(log n) for a thousand drivers.
"""

import heapq


class HeapMap(object):
    """key -> value; first() is the smallest (value, key), pop_due() the ones due.

    Keys of one map must be comparable with each other (ints, or strs): they
    break ties between equal values.
    """

    def __init__(self, items=()):
        self._value = dict(items)
        self._heap = sorted((value, key) for key, value in self._value.items())

    def __contains__(self, key):
        return key in self._value

    def __len__(self):
        return len(self._value)

    def get(self, key, default=None):
        return self._value.get(key, default)

    def set(self, key, value):
        if key in self._value and self._value[key] == value:
            return
        self._value[key] = value
        heapq.heappush(self._heap, (value, key))
        if len(self._heap) > 4 * len(self._value) + 16:
            self._heap = [(v, k) for k, v in self._value.items()]
            heapq.heapify(self._heap)

    def discard(self, key):
        self._value.pop(key, None)

    def first(self):
        """(value, key) of the smallest value, or None when empty."""
        heap = self._heap
        while heap and self._value.get(heap[0][1], _STALE) != heap[0][0]:
            heapq.heappop(heap)
        return heap[0] if heap else None

    def pop_due(self, limit):
        """The keys whose value is at most limit, smallest first; they leave the map."""
        due = []
        while True:
            top = self.first()
            if top is None or top[0] > limit:
                return due
            heapq.heappop(self._heap)
            del self._value[top[1]]
            due.append(top[1])


_STALE = object()
