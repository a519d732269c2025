"""magg's own stdin, stdout and stderr, for the whole run.

stdout and stderr are Outboxes (outbox.py), written only when the reader
can take them; Streams routes magg's lines to them and tells the loop what
each round's supervisor must hear about them (a reader gone, stderr
backlogged, the agent having read the last progress line). stdin is read
whole, in a poll loop that still answers stop signals.

When a measurement shows the terminal view (viewer.py), Streams holds it:
progress lines are not written (the view shows progress), and stderr goes
to the view when stderr is the same terminal.
"""

import json
import os
import select

from app import EXIT_CANCELLED, MaggError
from app.events import ReaderGone, ReaderIdle, StderrPending
from app.outbox import LOST, Outbox
# How often to look whether the agent has read the last progress line
# (FIONREAD on the stdout pipe); no event says so.
IDLE_CHECK_MS = 10


class Streams(object):
    """magg's stdout and stderr outboxes for the whole run, and what the loop
    must tell each round's supervisor about them: a reader gone, how much of
    stderr is unwritten, the agent having read the last progress line."""

    def __init__(self):
        self.out = Outbox(1)
        self.err = Outbox(2)
        self.view = None            # viewer.Viewer when a measurement shows the view
        self.awaiting_idle = False  # a progress line written, not yet read
        self._poller = None
        self._told_gone = set()     # readers gone that this round's supervisor knows of
        self._told_pending = 0

    def line(self, obj):
        self.out.write((json.dumps(obj) + "\n").encode("utf-8"))

    def progress(self, obj):
        """A progress line: the next may go out once the agent has read it.

        None while the view is on: it shows the progress itself, and the
        reporter, never told the line was read, makes no more.
        """
        if self.view is not None:
            return
        self.line(obj)
        self.awaiting_idle = True

    def text(self, text):
        self.out.write(text.encode("utf-8", "replace"))

    def log(self, data):
        """Bytes for stderr: above the view's block when stderr is its terminal."""
        if self.view is not None and self.view.takes_stderr:
            self.view.stderr(data)
        else:
            self.err.write(data)

    def warn(self, text):
        """One line of magg's own on stderr ("magg: warning: ..."), wherever stderr goes."""
        from app import messages    # loaded by every command already; not at import
        self.log(messages.warning(text).encode("utf-8", "replace"))

    def backlog(self):
        """Bytes of stderr not written yet: the terminal's when the view shows it."""
        if self.view is not None and self.view.takes_stderr:
            return self.out.pending + self.view.held
        return self.err.pending

    def end_view(self, final, failures=(), broken=False):
        """The view's last text before the final line, once (viewer.py); stderr
        goes straight to fd 2 from then on. broken: after a bug, the terminal
        is only put back."""
        view, self.view = self.view, None
        if view is not None and broken:
            view.abandon()
        elif view is not None:
            view.end(final, failures)

    # -- for the loop -------------------------------------------------------

    def new_round(self, poller):
        """A new supervisor hears everything again: readers gone, stderr unwritten."""
        self._poller = poller
        self._told_gone = set()
        self._told_pending = 0

    def watch(self):
        """Ask poll for room where output waits; POLLERR says a reader left."""
        for outbox in (self.out, self.err):
            if not outbox.gone:
                self._poller.register(outbox.fd, select.POLLOUT if outbox.pending else 0)

    def ready(self, fd, mask):
        outbox = self.out if fd == 1 else self.err
        if mask & select.POLLOUT:
            outbox.flush()
        elif mask & LOST:
            outbox.lost()

    def news(self):
        """Events about magg's own output since last asked: readers gone, stderr unwritten."""
        events = []
        for name, outbox in (("stdout", self.out), ("stderr", self.err)):
            if outbox.gone and name not in self._told_gone:
                self._told_gone.add(name)
                try:
                    self._poller.unregister(outbox.fd)
                except KeyError:
                    pass        # not registered yet in this round
                events.append(ReaderGone(name))
        backlog = self.backlog()
        if backlog != self._told_pending:
            self._told_pending = backlog
            events.append(StderrPending(backlog))
        return events

    def idle_news(self):
        """[ReaderIdle] once the agent has read the last progress line (one ioctl)."""
        if self.awaiting_idle and self.out.idle():
            self.awaiting_idle = False
            return [ReaderIdle()]
        return []

    def wait_ms(self):
        """How soon to look again whether the agent has read the last line; None: no need."""
        return IDLE_CHECK_MS if self.awaiting_idle and not self.out.pending else None

    def finish(self, stderr_wait=1.0):
        """Everything for stdout; at most stderr_wait more seconds for stderr."""
        self.out.finish()
        self.err.finish(stderr_wait)


# The longest measure request read from stdin; the real agent's are a few KB.
REQUEST_LIMIT = 256 * 1024 * 1024
REQUEST_CHUNK = 1024 * 1024


def read_request(inbox, limit=REQUEST_LIMIT):
    """All of stdin (a bytearray), answering a stop signal while the request arrives.

    A slow writer, or a person at a terminal, may take any time; SIGINT,
    SIGTERM and SIGUSR1 end the wait with the usual cancel. Past limit bytes
    (a request that never ends, /dev/zero) it is a bad request, read no further.
    """
    poller = select.poll()
    poller.register(0, select.POLLIN)
    poller.register(inbox.fd, select.POLLIN)
    data = bytearray()
    while True:
        for fd, _ in poller.poll():
            if fd == inbox.fd:
                inbox.drain()
                stops = inbox.take_all()
                if stops:
                    from app import messages
                    raise MaggError(messages.cancelled_reading(stops[0]), reason="cancelled",
                                    exit_code=EXIT_CANCELLED)
                continue
            try:
                chunk = os.read(0, REQUEST_CHUNK)
            except OSError as err:
                raise MaggError("cannot read the request on stdin: %s" % (err.strerror or err),
                                status="bad-request", reason="bad-request")
            if not chunk:
                return data         # a bytearray: decoded as it is, no copy
            data += chunk
            if len(data) > limit:
                raise MaggError("the request on stdin is longer than %d MiB (%d bytes), the "
                                "most magg reads" % (limit // (1024 * 1024), limit),
                                status="bad-request", reason="bad-request")


def ensure_std_fds():
    """Open /dev/null on a closed fd 0, 1 or 2.

    Pipes would otherwise get those numbers, and a driver would be handed
    the wrong stream.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
