"""What the progress lines say and when they go out (pure).

The percent is the minimum over drivers (progress.py). A line goes out for
each driver's report and each driver that finishes; when nothing was said
for `heartbeat` seconds, a heartbeat line keeps the agent from taking magg
for hung.
"""

from app import messages
from app.progress import Progress, format_percent


class Reporter(object):
    """Progress lines for one round.

    track: report the drivers' own progress (the measure round); else only
    heartbeats (the --info/--describe round that precedes a measurement).
    """

    def __init__(self, names, heartbeat, now, track=True):
        self.progress = Progress(names)
        self.heartbeat = heartbeat
        self.track = track
        self.next_beat = now + heartbeat

    def driver_progress(self, name, value, message, now):
        """Lines for one progress report of a driver (value None: not a number)."""
        if not self.track:
            return []
        percent = (self.progress.update(name, value) if value is not None
                   else self.progress.aggregate())
        return [self._line(percent, messages.driver_progress(name, message), now)]

    def driver_finished(self, name, now):
        if not self.track:
            return []
        return [self._line(self.progress.update(name, 100.0),
                           messages.driver_finished(name), now)]

    def due(self, now, running, total):
        """A heartbeat line when nothing was said for `heartbeat` seconds."""
        if now < self.next_beat:
            return []
        return [self._line(self.progress.aggregate(),
                           messages.heartbeat(running, total), now)]

    @property
    def wake_at(self):
        return self.next_beat

    def _line(self, percent, message, now):
        self.next_beat = now + self.heartbeat
        return {"progress": format_percent(percent), "message": message}
