"""Text from outside, made safe to show on a terminal (pure).

Driver names are file names, and versions, metric names and units come
from the drivers' --describe (which may relay a remote API) or from the
request. Written raw to a terminal, an ESC or BEL in them retitles or
clears it, a CR overwrites a line and a newline forges one. Everything a
person reads (tables, the `[driver] ` stderr prefix, a live view) goes
through printable(); the JSON line never does, it stays exact.
"""

# Escapes people know from C, Python and shells; others are \xNN / \uNNNN.
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# surrogateescape turns each undecodable byte of a file name into one of
# these: shown as the byte it was, as `ls -b` would.
_BYTE_SURROGATES = range(0xDC80, 0xDD00)


def printable(text):
    """text with every character that is not printable shown as a visible escape.

    Not printable is what str.isprintable() says (what repr() escapes): C0
    controls (ESC, BEL, CR, newline, tab...), DEL, C1 controls U+0080 to
    U+009F (U+009B is CSI on some terminals), the line and paragraph
    separators U+2028/2029, format characters such as the bidirectional
    overrides, lone surrogates, private-use and unassigned code points, and
    spaces other than U+0020. A byte a file name could not decode shows as
    \\xNN. A backslash stays as it is: the text is for reading, not for
    parsing back (the JSON is exact).

    >>> printable("prom\\x1b]0;owned\\x07") == "prom\\\\x1b]0;owned\\\\x07"
    True
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _escape(ch) for ch in text)


def _escape(ch):
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code < 0x100:
        return "\\x%02x" % code
    if code in _BYTE_SURROGATES:
        return "\\x%02x" % (code - 0xDC00)
    if code < 0x10000:
        return "\\u%04x" % code
    return "\\U%08x" % code
