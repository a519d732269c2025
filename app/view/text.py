"""Text from outside made safe for a terminal, measured and cut in cells (pure).

Driver names, progress messages, stderr lines, metric names, units and
series ids all reach the screen through printable() (app/printable.py, the
one the tables use too): a driver's own escape sequence would otherwise
clear the screen under the view, retitle the window or move the cursor out
of the block.
"""

import re
import unicodedata

from app.printable import printable

ELLIPSIS = "\u2026"
RESET = "\x1b[0m"

# Anything but printable ASCII: only such characters need a closer look.
_NOT_PLAIN = re.compile("[^\x20-\x7e]")
# A text is looked at this far past what a cell budget can show, so a
# 16 MiB message costs no more than a short one.
LOOK_AHEAD = 64


def decoded(data):
    """A driver's bytes as text; bytes that are not UTF-8 show as \\xNN."""
    if isinstance(data, str):
        return data
    return bytes(data).decode("utf-8", "backslashreplace")


def char_cells(char):
    """Terminal cells one (already printable) character takes: 0, 1 or 2."""
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    if "\u1160" <= char <= "\u11ff":       # Hangul medial vowels join the syllable
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cells(text):
    """Terminal cells text takes (wide East Asian characters 2, marks 0)."""
    if not _NOT_PLAIN.search(text):
        return len(text)
    return sum(char_cells(char) for char in text)


def clip(text, width, more=False):
    """text cut to at most width cells, ending in an ellipsis when cut.

    more: text is known to be the head of something longer, so it ends in
    an ellipsis even when it fits.
    """
    if width <= 0:
        return ""
    if not more and cells(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        size = char_cells(char)
        if used + size > width - 1:
            break
        out.append(char)
        used += size
    return "".join(out) + ELLIPSIS


def fit(raw, width):
    """Outside text escaped and cut to width cells, reading only its head."""
    head = raw[:width * 2 + LOOK_AHEAD]
    return clip(printable(head), width, more=len(head) < len(raw))


def pad(text, width, right=False):
    """text (already fitting) padded with spaces to width cells."""
    space = " " * max(0, width - cells(text))
    return space + text if right else text + space


def paint(text, sgr, color):
    """text in the SGR attributes sgr ("1", "31", "2;36") when colour is on."""
    if not (color and sgr and text):
        return text
    return "\x1b[%sm%s%s" % (sgr, text, RESET)


def visible_width(line):
    """Cells of a rendered line, its SGR colour sequences not counted."""
    return cells(re.sub("\x1b\\[[0-9;]*m", "", line))
