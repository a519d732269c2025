"""The one stop sequence, for every way of stopping a driver (pure).

Failure, the deadline, a hung driver, a signal to magg: each calls begin().

1. begin: SIGUSR1 to a driver that said has_cancel, SIGTERM to one that did
   not (SIGUSR1 would kill a measure.py driver without a handler at once).
2. Wait until it exits or cleanup_grace_period has passed.
3. SIGKILL to its whole process group, so the children and grandchildren it
   started die too. The loop reaps it.

hurry() skips step 2 for the runs being stopped (a second signal). Which
runs are being stopped is the runs' own state (child.py); this only keeps
the time each one's SIGKILL is due.
"""

from signal import SIGTERM, SIGUSR1

from app.events import KillGroup, Signal
from app.heapmap import HeapMap


class StopSequence(object):
    def __init__(self, grace):
        self.grace = grace
        self._kill_at = HeapMap()       # run -> when its SIGKILL is due

    def begin(self, run, has_cancel, now):
        """Step 1: the polite signal, and when SIGKILL follows."""
        self._kill_at.set(run, now + self.grace)
        return [Signal(run, SIGUSR1 if has_cancel else SIGTERM)]

    def exited(self, run):
        """Step 3 for a run that obeyed: what it left in its group dies."""
        self._kill_at.discard(run)
        return [KillGroup(run)]

    def due(self, now):
        """Step 3 for runs whose cleanup_grace_period has passed."""
        return [KillGroup(run) for run in self._kill_at.pop_due(now)]

    def hurry(self, runs):
        """Step 3 now for these runs (those being stopped)."""
        for run in runs:
            self._kill_at.discard(run)
        return [KillGroup(run) for run in runs]

    @property
    def wake_at(self):
        first = self._kill_at.first()
        return None if first is None else first[0]
