"""The one stop sequence, for every way of stopping a driver (pure).

Failure, the deadline, a hung driver, a signal to magg: each calls begin().

1. begin: SIGUSR1 to a driver that said has_cancel, SIGTERM to one that did
   not (SIGUSR1 would kill a measure.py driver without a handler at once).
2. Wait until it exits or cleanup_grace_period has passed.
3. SIGKILL to its whole process group, so the children and grandchildren it
   started die too. The loop reaps it.

hurry() skips step 2 for every driver being stopped (a second signal).
"""

import heapq
import signal

from app.events import KillGroup, Signal


class StopSequence(object):
    def __init__(self, grace):
        self.grace = grace
        self._stopping = set()      # asked to stop, not yet exited
        self._kill_at = []          # heap of (time, driver); stale once exited

    def begin(self, driver, has_cancel, now):
        """Step 1, once per driver: the polite signal, and when SIGKILL follows."""
        if driver in self._stopping:
            return []
        self._stopping.add(driver)
        heapq.heappush(self._kill_at, (now + self.grace, driver))
        return [Signal(driver, signal.SIGUSR1 if has_cancel else signal.SIGTERM)]

    def exited(self, driver):
        """Step 3 for a driver that obeyed: what it left in its group dies."""
        if driver not in self._stopping:
            return []
        self._stopping.discard(driver)
        return [KillGroup(driver)]

    def due(self, now):
        """Step 3 for drivers whose cleanup_grace_period has passed."""
        actions = []
        while self._kill_at and self._kill_at[0][0] <= now:
            _, driver = heapq.heappop(self._kill_at)
            if driver in self._stopping:
                actions.append(KillGroup(driver))
        return actions

    def hurry(self):
        """Step 3 now for every driver being stopped."""
        return [KillGroup(driver) for driver in sorted(self._stopping)]

    @property
    def wake_at(self):
        while self._kill_at and self._kill_at[0][1] not in self._stopping:
            heapq.heappop(self._kill_at)
        return self._kill_at[0][0] if self._kill_at else None
