"""The terminal view of a measurement: state in, text for the terminal out (pure).

Nothing here touches a descriptor, the clock or a signal: the caller feeds
each driver's state and writes the text it gets back to the terminal, so
every frame can be checked by feeding it to a terminal emulator. Imported
only when stdout is a terminal (app/terminal.py decides): on a pipe magg
costs nothing more than before.

- text.py    escaping of everything from outside; widths in terminal cells
- block.py   the lines of the live block: total, one line per driver
- live.py    the block on the terminal: redrawn in place, stderr above it
- result.py  the table printed at the end, before the final JSON line
- numbers.py numbers as that table shows them, and the sparkline
"""

from app.view.block import Row
from app.view.live import DRAW_INTERVAL, DUMB_INTERVAL, RESTORE, Live
from app.view.numbers import sparkline
from app.view.result import result_table
from app.view.text import printable

__all__ = ["DRAW_INTERVAL", "DUMB_INTERVAL", "RESTORE", "Live", "Row", "printable",
           "result_table", "sparkline"]
