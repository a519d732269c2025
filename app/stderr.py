"""The drivers' stderr in a round: passed on, paused, or dropped and counted (pure).

Each driver's stderr goes to magg's own, prefixed with its name, up to
stderr_limit bytes per driver (lines.py does the prefixing, the limit and
the tail). magg's own stderr may not be read (the agent reads neither pipe
while it waits for its backend), so while more than BACKLOG_HIGH bytes of
it wait unwritten, the stderr of drivers that are not being stopped is not
read (Pause) until it is down to BACKLOG_LOW (Resume): such a driver then
blocks on its stderr, as it would on the agent's own pipe. A driver being
stopped is always read, so it can act on its signal and exit; what of its
stderr does not fit is dropped, counted, and said in one line.
"""

from app import messages
from app.child import RUNNING, STOPPING
from app.events import Pause, Relay, Resume

BACKLOG_HIGH = 256 * 1024
BACKLOG_LOW = 64 * 1024


class StderrRoute(object):
    """Where each run's stderr goes; every method returns the actions it takes."""

    def __init__(self):
        self.backlogged = False
        self.gone = False           # nobody reads magg's stderr any more
        self.paused = set()         # runs whose stderr is not being read

    def started(self, run):
        return self._pause(run) if self.backlogged else []

    def stopping(self, run):
        """A run being stopped is read again, so it is never stuck on its stderr."""
        return self._resume(run)

    def data(self, child, data):
        if self.backlogged and child.state == STOPPING:
            child.relay.drop(data)
            return []
        return self.relay(child.relay.feed(data))

    def closed(self, run, child):
        self.paused.discard(run)
        actions = self.relay(child.relay.close())
        if child.relay.hidden:
            actions += self.note(messages.stderr_not_shown(child.name, child.relay.hidden,
                                                           child.relay.limit))
        return actions

    def finished(self, child):
        if child.relay.dropped:
            return self.note(messages.stderr_dropped(child.name, child.relay.dropped))
        return []

    def pending(self, size, children):
        """magg's own stderr holds size unwritten bytes: pause or resume reading."""
        actions = []
        if not self.backlogged and size >= BACKLOG_HIGH:
            self.backlogged = True
            for run, child in enumerate(children):
                if child.state == RUNNING:
                    actions += self._pause(run)
        elif self.backlogged and size <= BACKLOG_LOW:
            self.backlogged = False
            for run in sorted(self.paused):
                actions += self._resume(run)
        return actions

    def relay(self, data):
        return [Relay(data)] if data and not self.gone else []

    def note(self, text):
        """One line of magg's own on stderr."""
        return self.relay(messages.warning(text).encode(errors="replace"))

    def _pause(self, run):
        if run in self.paused:
            return []
        self.paused.add(run)
        return [Pause(run)]

    def _resume(self, run):
        if run not in self.paused:
            return []
        self.paused.discard(run)
        return [Resume(run)]
