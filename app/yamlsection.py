"""Where the top-level `magg` block of config.yaml is, or that only a full parse can say (pure).

config.yaml holds every driver's section, and PyYAML's pure-Python scanner
costs about 1 s per MB: magg looks at the bytes, finds its own block, and
parses only that, when a full parse provably gives the same. find() says

  ABSENT  no top-level key can be `magg`: the defaults, nothing to parse;
  Block   the `magg` block: bytes begin..end, whole lines;
  None    not sure: parse the whole file.

The proof, on UTF-8 bytes (each rule is a regular expression over the
whole file, so it costs milliseconds, not a scan in Python):

1. Lines end in \\n or \\r\\n only. PyYAML also breaks lines at a lone \\r,
   NEL, LS and PS, which would move every line and column after them.
2. The first line that is not blank or a comment (after an optional bare
   `---`) is `key:` with a plain key at column 0: the top level is a block
   mapping at indent 0, so each top-level key starts a line at column 0.
3. No line starts with what could hide a key `magg` (a quote, `?`, `!`,
   `&`, `*`, `<<`: "m\\x61gg", ? magg, !!str magg, aliases, merges) or start
   another document or directive (`---`, `...`, `%`), and at most one line
   starts with `magg`, and that one as `magg:` then a space or its end.
4. Before that line, no quoted scalar or flow collection is still open at
   the end of a line, so the line is a key and not text inside one. In
   block context such a token starts at a line start or after whitespace
   (anything else fails the parse), so each `'`, `"`, `[`, `{` found there
   must close on its line; a flow may hold quoted scalars where its tokens
   start, and flows one level deep, but no `#` or tags.
5. The block runs to the next line that starts with a letter, a digit or
   `_`. The caller parses it alone (line numbers shifted, counted only
   for a message: on 5 MB that takes milliseconds) and parses the
   whole file instead when that fails, so a cut that was wrong never shows,
   or when an anchor of the block is written elsewhere too (PyYAML refuses
   a duplicate anchor).

Without the text `magg`, and without an escape that could spell one of its
letters or join two lines inside a quoted key, no key can be `magg` at all.
"""

import collections
import re

Block = collections.namedtuple("Block", "begin end")
ABSENT = "absent"

_NAME = b"magg"
# \x6d, \u0061, \U00000067... spell m, a, g; a backslash before a line break
# joins two lines of a double-quoted scalar: "ma\<newline>gg".
_SPELLS = re.compile(rb"\\(?:x|u00|U000000)6[17dD]|\\(?:\r|\n|\xc2\x85|\xe2\x80[\xa8\xa9])")
# A lone CR, NEL, LS, PS; each after a test for its first byte, which finds
# nothing at memchr speed in most files.
_ODD_BREAKS = ((b"\r", re.compile(rb"\r(?!\n)")), (b"\xc2", re.compile(rb"\xc2\x85")),
               (b"\xe2", re.compile(rb"\xe2\x80[\xa8\xa9]")))

_SKIP = rb"(?:[ ]*(?:#[^\r\n]*)?\r?\n)*"                 # blank and comment lines
_LEADING = re.compile(_SKIP + rb"(?:---(?:[ ]+(?:#[^\r\n]*)?)?(?:\r?\n|\Z)" + _SKIP + rb")?")
_FIRST_KEY = re.compile(rb"[A-Za-z0-9_][^\t\r\n#:]*:(?:[ ]|\r?\n|\Z)")
_OURS = re.compile(rb"magg:(?:[ ]|\r?\n|\Z)")
_MAGG = rb"magg(?=[ \t:#\r\n]|\Z)"
_STARTS_MAGG = re.compile(_MAGG)
# A line start that is a `magg` key (group 1), or that could hide one or start a document.
_LINE_STARTS = re.compile(rb"\n(?:(" + _MAGG + rb")|[\"'?!&*%]|<<|---|\.\.\.)")
_NEXT_KEY = re.compile(rb"\n[A-Za-z0-9_]")

# After whitespace, a line start, or the last byte of a UTF-8 byte order mark
# (never at the file's first byte: the first line is a key).
_AT_TOKEN = rb"(?<=[ \t\n\xbf].)"
_SQ = rb"'[^'\r\n]*(?:''[^'\r\n]*)*'(?!')"       # '' is a quote; the first other ' ends it
_DQ = rb'"[^"\\\r\n]*(?:\\[^\r\n][^"\\\r\n]*)*"'  # \" and \\ do not end it


def _flow_body(nested):
    """A flow collection's insides on one line, without quotes, `#`, tags or brackets
    but these: a quoted scalar where a flow token starts (after `[`, `{`, `,` or
    `: `); elsewhere a quote is text of a plain scalar, and the brackets in it
    would count. Each alternative starts differently, so a failed match never
    backtracks through the ways of splitting the same text."""
    quoted = b"(?:" + _SQ + b"|" + _DQ + b")"
    return (rb"(?:[ ]*" + quoted + rb")?(?:[^\r\n\[\]{}\"'#!,: ]|[ ]+(?![ \"'])"
            rb"|,(?:[ ]*" + quoted + rb")?|:(?:[ ]+" + quoted + rb")?" + nested + rb")*")


_INNER = _flow_body(b"")
_FLOW = _flow_body(rb"|\[" + _INNER + rb"\]|\{" + _INNER + rb"\}")    # nested once
_STILL_OPEN = [re.compile(opener + _AT_TOKEN + b"(?!" + rest + b")") for opener, rest in (
    (b"'", _SQ[1:]), (b'"', _DQ[1:]), (rb"\[", _FLOW + rb"\]"), (rb"\{", _FLOW + rb"\}"))]
# One search per opener: a literal first byte is found at memchr speed.


def find(data, start=0):
    """ABSENT, the Block of the top-level `magg` key, or None, for UTF-8 bytes.

    start: where the text begins (past a byte order mark).
    """
    if _NAME not in data and not _SPELLS.search(data, start):
        return ABSENT
    if any(lead in data and odd.search(data, start) for lead, odd in _ODD_BREAKS):
        return None
    first = _LEADING.match(data, start).end()
    if first == len(data):
        return ABSENT                           # comments only: an empty document
    if not _FIRST_KEY.match(data, first):
        return None
    lines = [first] if _STARTS_MAGG.match(data, first) else []
    for match in _LINE_STARTS.finditer(data, first):
        if match.group(1) is None:
            return None
        lines.append(match.start() + 1)
    if not lines:
        return ABSENT
    if len(lines) > 1 or not _OURS.match(data, lines[0]):
        return None                             # a duplicate, or `magg :`: PyYAML says
    begin = lines[0]
    if any(still_open.search(data, first, begin) for still_open in _STILL_OPEN):
        return None
    after = _NEXT_KEY.search(data, begin)
    end = after.start() + 1 if after else len(data)
    return Block(begin, end)


def line_of(data, start, offset):
    """The line (from 0) that starts at offset; rule 1 holds, so only LF counts."""
    return data.count(b"\n", start, offset)


def anchored_elsewhere(data, start, block, anchors):
    """True when one of the anchors (names defined in the block) is written outside it.

    One search for them all (a literal `&` first), however many there are.
    """
    if not anchors:
        return False
    names = b"|".join(re.escape(name.encode("utf-8")) for name in set(anchors))
    written = re.compile(b"&(?:" + names + rb")(?![0-9A-Za-z_-])")
    return bool(written.search(data, start, block.begin) or written.search(data, block.end))
