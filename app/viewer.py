"""The terminal view of a measurement at its edge: when to draw, at what size,
where the drivers' stderr goes.

Loaded only when terminal.detect() found a terminal for it (cli.py); on a
pipe magg imports neither this nor app/view/. It owns the Live block
(app/view/live.py), which turns states into text, and feeds it what the
clock and the terminal say:

- the loop asks it when it next wants to draw (wait_ms) and lets it draw
  once per pass (draw): a resize first (SIGWINCH, through the signal inbox),
  then the stderr lines held since the last pass, then a frame when one is
  due, at most every Live.interval (a quarter second; a second on a dumb
  terminal), read from the supervisor by snapshot.py;
- stdio.Streams hands it stderr when stderr is the same terminal (whole
  lines, shown above the block, escaped) and drops the protocol's progress
  lines while it is on;
- the Session says when the measure round begins (the skipped drivers, the
  units described) and who returned which metric;
- cli.py asks for its end before the final line: the last stderr lines, the
  block closed and the result table; after a bug, only the terminal put back.

Everything it writes goes through magg's stdout outbox, so no write blocks
the loop.
"""

import os

from app import terminal
from app.snapshot import snapshot
from app.view import Live, result_table


class Viewer(object):
    """The view of one measurement on the terminal that is magg's stdout."""

    def __init__(self, term, inbox, std, environ=os.environ):
        self.kind = term.kind
        self.color = term.color
        self.takes_stderr = term.stderr_joins   # else stderr is left as it is, untouched
        self.live = Live(term.width, term.height, term.color, term.kind == "dumb")
        self.inbox = inbox
        self.std = std
        self.environ = environ
        self.skipped = {}           # {driver: why it does not measure}
        self.units = {}             # {metric: unit} from --describe
        self.owners = {}            # {metric: the driver that returned it}
        self.next_frame = None      # when a frame is due; None: not measuring
        self._held = []             # whole stderr lines not shown yet
        self.held = 0               # their bytes: magg's stderr backlog, in part
        inbox.catch_resize()

    # -- the Session --------------------------------------------------------

    def measuring(self, skipped, described):
        """The measure round begins: its first pass draws, then every interval.

        described: the merged --describe metrics, for the units of payloads
        that carry none (a Prometheus series).
        """
        self.skipped = dict(skipped)
        self.units = {name: attrs["unit"] for name, attrs in (described or {}).items()
                      if isinstance(attrs, dict) and attrs.get("unit") is not None}
        self.next_frame = 0.0       # due at once: the clock is monotonic

    # -- stdio.Streams ------------------------------------------------------

    def stderr(self, data):
        """Bytes for magg's stderr, whole lines (lines.py's relay and magg's own
        messages end every line): held until the loop's next pass, so all a
        pass read costs one redraw, or until the end."""
        lines = bytes(data).split(b"\n")
        if not lines[-1]:
            lines.pop()
        self._held.extend(lines)
        self.held += len(data)

    # -- the loop -----------------------------------------------------------

    def wait_ms(self, now):
        """Milliseconds until the view wants the loop back; None: no need."""
        if self.next_frame is None:
            return None
        return int(max(0.0, self.next_frame - now) * 1000) + 1

    def draw(self, supervisor, now, last=False):
        """Once per pass: a resize, the stderr held, a frame when one is due.

        last: the round is over: its final frame, and no more frames.
        """
        if self.inbox.take_resized():
            width, height = terminal.size(self.environ)
            self._write(self.live.resize(width, height))
        self._show_held()
        if self.next_frame is None or (now < self.next_frame and not last):
            return
        aggregate, rows = snapshot(supervisor, now)
        self._write(self.live.frame(aggregate, rows, self.skipped))
        self.next_frame = None if last else now + self.live.interval

    # -- cli.py -------------------------------------------------------------

    def end(self, final, failures):
        """The view's last text before the final line: the stderr still held,
        the block closed, a blank line and the result table at today's width.

        failures: (driver, status, reason, message, stderr tail) of each
        failed driver (MaggError.failures). If the table cannot be made, the
        terminal is put back and the error goes up.
        """
        try:
            self._show_held()
            width, _ = terminal.size(self.environ)
            text = self.live.close() + "\n" + result_table(
                final, self.owners, failures, width, self.color, self.units)
        except Exception:
            self.abandon()
            raise
        self._write(text)

    def abandon(self):
        """After a bug: the terminal put back, what stderr was held written raw."""
        self.std.out.write(terminal.restore(self.kind))
        held, self._held, self.held = self._held, [], 0
        self.std.err.write(b"".join(line + b"\n" for line in held))

    def _show_held(self):
        if self._held:
            lines, self._held, self.held = self._held, [], 0
            self._write(self.live.above(lines))

    def _write(self, text):
        if text:
            self.std.out.write(text.encode("utf-8", "replace"))
