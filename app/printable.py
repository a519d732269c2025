"""Text from outside, made safe to show on a terminal (pure).

Driver names are file names, and versions, metric names and units come
from the drivers' --describe (which may relay a remote API) or from the
request; progress messages and stderr lines come from the drivers. Written
raw to a terminal, an ESC or BEL in them retitles or clears it, a CR
overwrites a line and a newline forges one. Everything a person reads (the
tables, the `[driver] ` stderr prefix, the live view of a measurement and
its result table) goes through printable(); the JSON line never does, it
stays exact.
"""

import re
import unicodedata

# Escapes people know from C, Python and shells; others are \xNN / \uNNNN.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# surrogateescape turns each undecodable byte of a file name into one of
# these: shown as the byte it was, as `ls -b` would.
_BYTE_SURROGATES = range(0xDC80, 0xDD00)
# Anything but printable ASCII: only such characters need a closer look.
_NOT_PLAIN = re.compile("[^\x20-\x7e]")
# A mark that combines with the character before it: at the start of a text
# it has none, and a terminal puts it on whatever is left of the cursor.
_MARKS = ("Mn", "Me")


def printable(text):
    """text with every character that is not printable shown as a visible escape.

    Not printable is what str.isprintable() says (what repr() escapes): C0
    controls (ESC, BEL, CR, newline, tab...), DEL, C1 controls U+0080 to
    U+009F (U+009B is CSI on some terminals), the line and paragraph
    separators U+2028/2029, format characters such as the bidirectional
    overrides and zero-width joiners, lone surrogates, private-use and
    unassigned code points, and spaces other than U+0020. A byte a file
    name could not decode shows as \\xNN. A combining mark at the very start
    is escaped too. A backslash stays as it is: the text is for reading,
    not for parsing back (the JSON is exact).

    >>> printable("prom\\x1b]0;owned\\x07") == "prom\\\\x1b]0;owned\\\\x07"
    True
    """
    if text.isprintable():
        if text and unicodedata.category(text[0]) in _MARKS:
            return escape(text[0]) + text[1:]
        return text
    # ESC first, in C: a coloured log line holds little else to escape, and
    # only what is not printable ASCII is looked at one by one.
    text = _NOT_PLAIN.sub(_visible, text.replace("\x1b", "\\x1b"))
    if unicodedata.category(text[0]) in _MARKS:
        text = escape(text[0]) + text[1:]
    return text


def _visible(match):
    char = match.group()
    return char if char.isprintable() else escape(char)


def escape(char):
    """One character as a visible escape: \\n, \\x1b, \\u2028, \\U000e0001."""
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return "\\x%02x" % code
    if code in _BYTE_SURROGATES:
        return "\\x%02x" % (code - 0xDC00)
    if code < 0x10000:
        return "\\u%04x" % code
    return "\\U%08x" % code
