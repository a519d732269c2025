"""The live block on the terminal: redrawn in place, stderr above it (pure).

The caller owns the clock and the terminal. It calls frame() at most every
`interval` seconds with every driver's state, hands whole stderr lines to
above(), calls resize() when the terminal's size changes and close() at the
end, and writes the text each call returns to the terminal, in order.

Between calls the cursor rests at column 0 of the line below the block. A
redraw goes up over the old block, rewrites each line and clears what is
left. Lines are at most width - 1 cells (no pending wrap at the margin),
and autowrap is off while the block is drawn, so no line wraps whatever a
terminal thinks a character's width is. The cursor is hidden only within
one redraw, so a magg killed between two frames leaves it visible. The
block has at most height - 1 lines: what scrolls off cannot be redrawn.

A dumb terminal gets no cursor movement at all: plain lines, one for each
driver whose state, whole percent or message changed since it was last
printed, and one for the total when it changed.
"""

from app.view.block import (TOTAL, block_lines, clamped, clock, counts, longest,
                            percent_of, percent_text, state_word)
from app.view.text import clip, decoded, fit, printable

DRAW_INTERVAL = 0.25        # a calm redraw: four frames a second at most
DUMB_INTERVAL = 1.0         # plain lines pile up: at most one round a second

HIDE, SHOW = "\x1b[?25l", "\x1b[?25h"
NOWRAP, WRAP = "\x1b[?7l", "\x1b[?7h"
CLEAR_LINE_END, CLEAR_BELOW = "\x1b[K", "\x1b[J"
RESET = "\x1b[0m"
RESTORE = RESET + SHOW + WRAP

_UNSAID = object()          # dumb: the total before its first plain line


class Live(object):
    """The live view of one measurement on a terminal width x height cells."""

    def __init__(self, width, height, color=True, dumb=False):
        self.dumb = dumb
        self.color = color and not dumb
        self.interval = DUMB_INTERVAL if dumb else DRAW_INTERVAL
        self._size(width, height)
        self._state = None      # (aggregate, rows, skipped) of the last frame
        self._shown = []        # the block's lines on the screen now
        self._said = {}         # dumb: driver -> what its last plain line said
        self._said_skipped = False

    def _size(self, width, height):
        self.width = max(1, int(width) - 1)
        self.lines = max(1, int(height) - 1)

    def frame(self, aggregate, rows, skipped=None):
        """Text that shows this state: the block redrawn, or dumb lines.

        aggregate: the total percent (magg's progress); rows: a Row per
        driver that measures, in the order to show; skipped: {name: why}.
        "" when nothing on the screen would change.
        """
        self._state = (aggregate, list(rows), dict(skipped or {}))
        if self.dumb:
            return self._plain(*self._state)
        return self._draw()

    def above(self, lines):
        """Text that prints whole stderr lines (str or bytes, without their
        newline) above the block, escaped, and redraws the block under them."""
        texts = [printable(_strip_cr(decoded(line)).expandtabs()) for line in lines]
        if not texts:
            return ""
        if self.dumb:
            return "".join(text + "\n" for text in texts)
        out = [self._up(), CLEAR_BELOW]
        out.extend("%s\r\n" % text for text in texts)
        self._shown = []        # cleared: the block is drawn anew below the lines
        out.append(self._draw())
        return "".join(out)

    def resize(self, width, height):
        """The terminal is now width x height: text that redraws the block to fit.

        A terminal that reflows its lines on a resize may leave pieces of the
        old block above the new one; going further up to catch them would
        erase stderr lines on terminals that do not reflow.
        """
        self._size(width, height)
        return "" if self.dumb else self._draw(force=True)

    def close(self):
        """Text that leaves the terminal as it was: the cursor below the block,
        visible, attributes reset, autowrap on. The block stays on the screen."""
        self._state, self._shown = None, []
        if self.dumb:
            return ""
        return RESTORE if self.color else SHOW + WRAP

    def _up(self):
        height = len(self._shown)
        return "\r\x1b[%dA" % height if height else "\r"

    def _draw(self, force=False):
        if self._state is None:
            return ""
        lines = block_lines(*self._state, width=self.width, lines=self.lines,
                            color=self.color)
        if lines == self._shown and not force:
            return ""
        out = [HIDE, NOWRAP, self._up()]
        out.extend("\r%s%s\n" % (line, CLEAR_LINE_END) for line in lines)
        out.append("\r" + CLEAR_BELOW + WRAP + SHOW)
        self._shown = lines
        return "".join(out)

    def _plain(self, aggregate, rows, skipped):
        out = []
        if skipped and not self._said_skipped:
            self._said_skipped = True
            out.extend(clip("skipped %s: %s" % (fit(str(name), self.width),
                                                fit(str(why), self.width)), self.width)
                       for name, why in skipped.items())
        for row in rows:
            value = percent_of(row)
            said = (row.state, None if value is None else int(value), row.message,
                    row.reason)
            key = printable(str(row.name))
            if self._said.get(key) != said:
                self._said[key] = said
                out.append(self._plain_row(row, value))
        total = clamped(aggregate)
        total = None if total is None else int(total)
        if out or self._said.get(None, _UNSAID) != total:
            self._said[None] = total
            line = "%s %s: %s, %s" % (clock(longest(rows)), TOTAL, percent_text(total),
                                      counts(rows))
            out.append(clip(line.lstrip(), self.width))
        return "".join(line + "\n" for line in out)

    def _plain_row(self, row, value):
        parts = [clock(row.elapsed), fit(str(row.name), self.width) + ":",
                 state_word(row)]
        if row.state not in ("done", "failed") and value is not None:
            parts.append(percent_text(value))
        line = " ".join(part for part in parts if part)
        said = row.reason if row.state == "failed" and row.reason else row.message
        if said is not None:
            line += ": " + fit(str(said), self.width)
        return clip(line, self.width)


def _strip_cr(text):
    """A CRLF line's CR ends the line; it is not part of what it says."""
    return text[:-1] if text.endswith("\r") else text
