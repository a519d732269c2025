"""Per-driver byte streams -> lines, with bounded memory (pure).

stdout is split into lines for the protocol; a line longer than
MAX_LINE fails the driver instead of growing memory. stderr is passed on
as whole lines with the driver's name in front, and only a bounded tail of
it is kept for error messages.
"""

from app.printable import printable

MAX_LINE = 16 * 1024 * 1024
STDERR_TAIL = 64 * 1024
# A stderr "line" this long is passed on in pieces: a driver that never
# writes a newline must not make the aggregator hold its output.
STDERR_PIECE = 64 * 1024


class LineTooLong(Exception):
    pass


class LineSplitter(object):
    """Complete lines out of arbitrary chunks; the last may lack its newline.

    A partial line is kept as a list of pieces, so a long line arriving in
    many small chunks is joined once, not copied on every chunk.
    """

    def __init__(self, limit=MAX_LINE):
        self._pieces = []
        self._size = 0
        self._limit = limit

    def feed(self, chunk):
        end = chunk.rfind(b"\n")
        if end < 0:
            self._pieces.append(chunk)
            self._size += len(chunk)
            if self._size > self._limit:
                self._pieces, self._size = [], 0
                raise LineTooLong("a stdout line is longer than %d MiB" % (self._limit >> 20))
            return []
        head = chunk[:end]
        if self._pieces:
            self._pieces.append(head)
            head = b"".join(self._pieces)
        rest = chunk[end + 1:]
        self._pieces, self._size = ([rest], len(rest)) if rest else ([], 0)
        return head.split(b"\n")

    def close(self):
        """The unterminated last line, if any."""
        rest = b"".join(self._pieces)
        self._pieces, self._size = [], 0
        return [rest] if rest else []


class StderrRelay(object):
    """Prefix each stderr line with the driver's name; keep a bounded tail.

    Works chunk by chunk with bytes.replace, so a driver writing a GiB of
    short lines costs a few C-level passes per 64 KiB, not a Python call a
    line. limit: bytes passed on at most (0: no limit); the rest is only
    counted in `hidden`, and still reaches the tail.
    """

    def __init__(self, name, tail=STDERR_TAIL, limit=0):
        # The name is a file name: an ESC in it must not reach the terminal
        # in front of every line, and an undecodable byte shows as \xNN.
        self.prefix = ("[%s] " % printable(name)).encode()
        self._partial = b""
        self._tail = b""
        self._tail_size = tail
        self.limit = limit
        self.shown = 0
        self.hidden = 0         # not shown: past the limit
        self.dropped = 0        # not shown: magg's own stderr could not take it

    def feed(self, chunk):
        """Bytes to write to the aggregator's stderr for this chunk (maybe b"")."""
        self.keep(chunk)
        if self.limit:
            shown = chunk[:max(0, self.limit - self.shown)]
            self.hidden += len(chunk) - len(shown)
            self.shown += len(shown)
            chunk = shown
            if not chunk:
                return b""
        data = self._partial + chunk        # b"" + chunk is chunk, not a copy
        end = data.rfind(b"\n")
        if end < 0:
            if len(data) < STDERR_PIECE:
                self._partial = data
                return b""
            self._partial = b""
            return self._prefixed(data + b"\n")
        self._partial = data[end + 1:]
        return self._prefixed(data[:end + 1])

    def close(self):
        rest, self._partial = self._partial, b""
        return self._prefixed(rest + b"\n") if rest else b""

    def tail(self):
        return self._tail

    def _prefixed(self, lines):
        # lines ends with b"\n": prefix every line start but add none after it.
        return self.prefix + lines[:-1].replace(b"\n", b"\n" + self.prefix) + b"\n"

    def drop(self, chunk):
        """Bytes magg cannot pass on: counted, and kept for the tail only."""
        self.dropped += len(chunk)
        self.keep(chunk)

    def keep(self, chunk):
        """Keep chunk for the tail: even bytes not shown explain a failure."""
        if len(chunk) >= self._tail_size:
            self._tail = chunk[-self._tail_size:]
        else:
            self._tail = (self._tail + chunk)[-self._tail_size:]
