"""magg's own stdout and stderr, one Outbox each: written only when the reader can take them.

The agent reads magg's stdout one line at a time and makes a backend
request per progress line, reading neither pipe meanwhile, so a blocking
write would freeze magg: no signal, deadline or driver would be served.
An Outbox queues bytes and writes them only when poll() says the
descriptor can take them. The descriptor itself stays blocking: it may be
shared (a terminal, a pipe the agent's own log also goes to), and
O_NONBLOCK would change it for every process that holds it. Instead each
write is at most PIPE_BUF bytes and comes right after POLLOUT, which for a
pipe means at least that much room (POSIX), so no write blocks.
"""

import array
import collections
import fcntl
import os
import select
import stat
import time

LOST = select.POLLERR | select.POLLHUP | select.POLLNVAL


class Outbox(object):
    """Bytes for one of magg's own descriptors (1 or 2), written without blocking."""

    def __init__(self, fd):
        self.fd = fd
        self.pending = 0
        self.gone = False
        self._chunks = collections.deque()      # memoryviews, oldest first
        self._poll = select.poll()
        self._poll.register(fd, select.POLLOUT)
        try:
            self.is_pipe = stat.S_ISFIFO(os.fstat(fd).st_mode)
        except OSError:
            self.is_pipe = False

    def write(self, data):
        """Queue data and write what the descriptor takes now."""
        if data and not self.gone:
            self._chunks.append(memoryview(data))
            self.pending += len(data)
            self.flush()

    def flush(self):
        """Write until the descriptor would block; never waits."""
        while self.pending and not self.gone:
            ready = self._poll.poll(0)
            if not ready:
                return
            if ready[0][1] & LOST and not ready[0][1] & select.POLLOUT:
                self.lost()
                return
            chunk = self._chunks[0]
            try:
                written = os.write(self.fd, chunk[:select.PIPE_BUF])
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.lost()
                return
            self.pending -= written
            if written == len(chunk):
                self._chunks.popleft()
            else:
                self._chunks[0] = chunk[written:]

    def unread(self):
        """Bytes in the pipe the reader has not taken yet; None if unknown."""
        if not self.is_pipe:
            return None
        try:
            from termios import FIONREAD    # here: only measure asks, and it is a .so
        except ImportError:                 # no termios: fall back to writability
            return None
        count = array.array("i", [0])
        try:
            fcntl.ioctl(self.fd, FIONREAD, count, True)
        except OSError:
            return None
        return count[0]

    def idle(self):
        """True when the reader has taken everything (or all was handed over)."""
        if self.pending:
            return False
        unread = self.unread()
        return unread is None or unread == 0

    def lost(self):
        """The reader is gone: drop what is queued and write nothing more."""
        self.gone = True
        self._chunks.clear()
        self.pending = 0

    def finish(self, timeout=None):
        """Wait up to timeout seconds (None: as long as it takes) to write everything."""
        end = None if timeout is None else time.monotonic() + timeout
        while self.pending and not self.gone:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return
            if self._poll.poll(None if left is None else int(left * 1000) + 1):
                self.flush()
