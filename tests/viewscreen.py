"""A terminal emulator (pyte) to read what a person would see of the view.

Screen(columns, lines) takes the text the view returns, encoded as magg
writes it (UTF-8), through pyte's byte stream. The emulator's newline is
a bare line feed (no LNM), stricter than a tty with `onlcr`: the view must
return to column 0 itself.
"""

import re

import pyte
from pyte import modes
from wcwidth import wcswidth

SGR = re.compile("\x1b\\[[0-9;]*m")
# Every sequence the view itself writes: cursor up, erase line and below,
# SGR, cursor visibility and autowrap. Anything else would be a leak.
OWN = re.compile("\x1b\\[(?:[0-9]*A|K|J|[0-9;]*m|\\?25[lh]|\\?7[lh])")


class Screen(object):
    def __init__(self, columns, lines, history=()):
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        for line in history:
            self.feed(line + "\r\n")

    def feed(self, text):
        self.stream.feed(text.encode("utf-8"))
        return text

    def rows(self, upto=None):
        """The screen's rows as text, trailing blanks cut; the first `upto` only.

        Read from pyte's buffer: a wide character's second cell holds "".
        """
        buffer, columns = self.screen.buffer, self.screen.columns
        return ["".join(buffer[y][x].data for x in range(columns)).rstrip()
                for y in range(self.screen.lines if upto is None else upto)]

    def blank_from(self, top):
        """True when no row from `top` down shows anything."""
        return all(char.data in (" ", "") for y, line in self.screen.buffer.items()
                   if y >= top for char in line.values())

    def text(self):
        return "\n".join(self.rows()).rstrip("\n")

    def row_with(self, needle):
        """The one row that shows needle."""
        found = [row for row in self.rows() if needle in row]
        assert len(found) == 1, (needle, self.rows())
        return found[0]

    def cursor(self):
        return self.screen.cursor.x, self.screen.cursor.y

    def cursor_visible(self):
        return not self.screen.cursor.hidden and modes.DECTCEM in self.screen.mode

    def wraps(self):
        return modes.DECAWM in self.screen.mode

    def char(self, needle, row=""):
        """The pyte Char (its attributes) where needle starts on the first
        row that shows it, or on the first row that also shows `row`."""
        for y, line in enumerate(self.screen.display):
            x = line.find(needle)
            if x >= 0 and row in line:
                return self.screen.buffer[y][x]
        raise AssertionError("%r not on the screen" % needle)

    def resize(self, columns, lines=None):
        self.screen.resize(lines or self.screen.lines, columns)


def foreign_controls(text):
    """Control characters in text that are not part of the view's own sequences."""
    rest = OWN.sub("", text).replace("\r", "").replace("\n", "")
    return [c for c in rest if ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0]


def width_of(row):
    """Cells a row of the screen takes, by the emulator's own measure (wcwidth),
    not the view's: the check must not share the view's mistakes."""
    return wcswidth(row)
