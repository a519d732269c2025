"""What the progress lines say and when they go out (pure).

The real agent reads one line at a time and makes one synchronous backend
request for every progress line, reading nothing else meanwhile. So a
progress line is not a log entry but the latest state, sent when the agent
can take it:

- at most one line waits unread in the agent's pipe: the next goes out
  only once the loop reports the previous one read (ReaderIdle);
- at most one line per `interval`: the first change after a quiet spell
  goes out at once, later ones are merged into one line at the interval's
  end, naming the latest message of each driver that spoke;
- a line at least every `heartbeat` seconds, so the agent never takes magg
  for hung;
- the percent is the minimum over drivers and never goes down (progress.py).
"""

import collections

from app import messages
from app.progress import Progress, format_percent


class Pacer(object):
    """When a line may go out; one per session, so it spans both rounds."""

    def __init__(self, interval, heartbeat, now):
        self.interval = interval
        self.heartbeat = heartbeat
        self.ready = True           # the agent has read every line written
        self.last = now             # when the last line went out (or magg began)
        self.sent_any = False

    def may_send(self, now):
        return self.ready and (not self.sent_any or now >= self.last + self.interval)

    def beat_due(self, now):
        return self.ready and now >= self.last + self.heartbeat

    def sent(self, now):
        self.ready = False
        self.last = now
        self.sent_any = True

    def read(self):
        self.ready = True


class Reporter(object):
    """The progress lines of one round.

    track: report the drivers' own progress (the measure round); else only
    heartbeats (the --info/--describe round that precedes a measurement).
    """

    def __init__(self, names, pacer, track=True):
        self.names = list(names)
        self.progress = Progress(names)
        self.pacer = pacer
        self.track = track
        self.said = collections.OrderedDict()   # driver -> its latest message
        # driver -> (its latest percent or None, its latest message or None)
        # from its own progress lines, kept across lines: the terminal view's.
        self.latest = {}
        self.dirty = False                      # a change not yet sent
        # said first in every line from now on (who is waited for); note() is
        # always given a sentence and readers only ask whether there is one
        self.standing = None    # pragma: no mutate ("" would read the same)

    def driver_progress(self, name, value, message, now):
        """Lines for one progress report of a driver (value None: not a number)."""
        if not self.track:
            return []
        if value is not None:
            self.progress.update(name, value)
        percent, said = self.latest.get(name, (None, None))
        self.latest[name] = (percent if value is None else value,
                             said if message is None else message)
        return self._changed(name, message, now)

    def driver_done(self, name, message, now):
        """A driver's run is over ("finished", "stopped", "failed ..."): it counts as 100."""
        if not self.track:
            return []
        self.progress.update(name, 100.0)
        return self._changed(name, message, now)

    def note(self, text):
        """A standing message, first in every line from now on (who magg waits for)."""
        if self.track and text != self.standing:
            self.standing = text
            self.dirty = True

    def reader_idle(self, now, running, total):
        self.pacer.read()
        return self.due(now, running, total)

    def due(self, now, running, total):
        """The line the time calls for: merged changes, or a heartbeat."""
        if self.dirty and (self.pacer.may_send(now) or self.pacer.beat_due(now)):
            return [self._line(messages.merged_progress(self.said, self.standing), now)]
        if not self.dirty and self.pacer.beat_due(now):
            return [self._line(self.standing or messages.heartbeat(running, total), now)]
        return []

    @property
    def wake_at(self):
        """None while the agent has a line unread: ReaderIdle comes first."""
        if not self.pacer.ready:
            return None
        if self.dirty:
            return min(self.pacer.last + self.pacer.interval,
                       self.pacer.last + self.pacer.heartbeat)
        return self.pacer.last + self.pacer.heartbeat

    def _changed(self, name, message, now):
        self.said.pop(name, None)       # keep the order in which drivers last spoke
        self.said[name] = message
        self.dirty = True
        if self.pacer.may_send(now):
            return [self._line(messages.merged_progress(self.said, self.standing), now)]
        return []

    def _line(self, message, now):
        self.pacer.sent(now)
        self.said.clear()
        self.dirty = False
        return {"progress": format_percent(self.progress.aggregate()), "message": message}


class Quiet(object):
    """The Reporter of a round that prints no progress (--info, --describe, --check)."""

    wake_at = None

    def driver_progress(self, name, value, message, now):
        return []

    def driver_done(self, name, message, now):
        return []

    def note(self, text):
        pass

    def reader_idle(self, now, running, total):
        return []

    def due(self, now, running, total):
        return []


QUIET = Quiet()
