"""Orphans of a stopped round get the stop sequence too (pure).

With magg a child subreaper (subreaper.py), a daemon a driver left behind
(setsid, a double fork) is re-parented to magg when its parent dies. When a
round is stopped (the agent's cancel, the deadline, a failure that stops
the others, the agent gone), every such orphan that came to magg during the
round gets SIGTERM (its whole group, when it leads one), then SIGKILL after
cleanup_grace_period, and is reaped before the round ends. magg looks for
them when the stop begins and again after every child it reaps, since a
parent's exit is what hands its children over. When the round ends without
a stop, orphans are left alone, as background children always were.
"""

from signal import SIGTERM

from app.events import FindOrphans, KillOrphan, SignalOrphan
from app.heapmap import HeapMap


class OrphanStops(object):
    """The orphans being stopped; every method returns the actions it takes."""

    def __init__(self, grace):
        self.grace = grace
        self.active = False         # the round is stopped: orphans are stopped as found
        self.stopping = set()       # signalled, not reaped yet
        self._kill_at = HeapMap()   # pid -> when its SIGKILL is due

    @property
    def busy(self):
        """True while an orphan being stopped has not been reaped."""
        return bool(self.stopping)

    def begin(self):
        """The round is stopped: look for orphans now, and after every reap."""
        self.active = True
        return [FindOrphans()]

    def look(self):
        """A child was reaped: what it left behind came to magg too."""
        return [FindOrphans()] if self.active else []

    def found(self, pids, now):
        if not self.active:
            return []
        actions = []
        for pid in pids:
            if pid not in self.stopping:
                self.stopping.add(pid)
                self._kill_at.set(pid, now + self.grace)
                actions.append(SignalOrphan(pid, SIGTERM))
        return actions

    def reaped(self, pid):
        if pid not in self.stopping:
            return self.look()
        self.stopping.discard(pid)
        self._kill_at.discard(pid)
        return [KillOrphan(pid)] + self.look()      # what is left of its group dies

    def due(self, now):
        return [KillOrphan(pid) for pid in self._kill_at.pop_due(now)]

    def hurry(self):
        for pid in self.stopping:
            self._kill_at.discard(pid)
        return [KillOrphan(pid) for pid in sorted(self.stopping)]

    @property
    def wake_at(self):
        first = self._kill_at.first()
        return None if first is None else first[0]
