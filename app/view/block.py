"""The lines of the live block: a total line, then one line per driver (pure).

Every line fits the width it is given, measured in terminal cells; a
narrow terminal loses the bar first, then the elapsed time, then the
message, and the name is cut last. There are never more lines than the
height allows: the drivers that matter most (failed, stopping, running)
stay, the rest are summed up on one line.
"""

import collections

from app.progress import as_number
from app.view.text import cells, clip, fit, pad, paint, printable

Row = collections.namedtuple("Row", "name state percent elapsed message reason")
Row.__new__.__defaults__ = (None, 0.0, None, None)
Row.__doc__ = """One driver that measures, as the view shows it.

state: "starting", "running", "stopping", "done", "stopped" (magg stopped it:
a cancel, a timeout, another's failure) or "failed"; percent: its
last progress 0..100 or None (a done driver shows 100); elapsed: seconds
since it started; message: its last progress message or None; reason: why a
failed driver failed ("aborted: slo-violation")."""

STATES = ("starting", "running", "stopping", "done", "stopped", "failed")
GAP = "  "
FULL, EMPTY, EIGHTHS = "\u2588", "\u2591", " \u258f\u258e\u258d\u258c\u258b\u258a\u2589"
TOTAL = "total"

STYLE = {"starting": "2", "running": "36", "stopping": "33", "done": "32", "stopped": "33",
         "failed": "31", "skipped": "2"}
# When the terminal has fewer rows than drivers, these states stay longest.
RANK = {"failed": 0, "stopping": 1, "running": 2, "starting": 3, "stopped": 4, "done": 4,
        "skipped": 5}

# Column sets from richest to poorest with the least each needs there; the
# first that fits wins. The bar goes before the name is cut; the name
# shrinks before the state goes. "name" None: the whole name.
LAYOUTS = (
    (("name", None), ("bar", 8), ("pct", 4), ("elapsed", 0), ("state", 8), ("text", 12)),
    (("name", None), ("pct", 4), ("elapsed", 0), ("state", 8), ("text", 12)),
    (("name", 12), ("pct", 4), ("state", 8), ("text", 8)),
    (("name", 6), ("status", 8)),
    (("name", 1),),
)
NAME_MAX, BAR_MAX = 32, 20
TEXT_WANT = 24      # a message this long is worth more than a longer bar


def layout(width, name_cells, elapsed_cells):
    """OrderedDict column -> cells for a block width cells wide."""
    for columns in LAYOUTS:
        need = collections.OrderedDict()
        for key, least in columns:
            if key == "name":
                need[key] = min(name_cells, NAME_MAX if least is None else least)
            else:
                need[key] = elapsed_cells if key == "elapsed" else least
        spare = width - sum(need.values()) - len(GAP) * (len(need) - 1)
        if spare >= 0:
            break
    else:
        return collections.OrderedDict([("name", max(0, width))])
    for key, most in (("name", min(name_cells, NAME_MAX)), ("text", TEXT_WANT),
                      ("bar", BAR_MAX)):
        if key in need:
            grow = min(spare, max(0, most - need[key]))
            need[key] += grow
            spare -= grow
    if "text" in need:
        need["text"] += spare
    return need


def clamped(percent):
    """A percent as a float within 0..100, or None when it is not a number."""
    value = as_number(percent)
    return None if value is None else max(0.0, min(100.0, value))


def percent_of(row):
    return 100.0 if row.state == "done" else clamped(row.percent)


def longest(entries):
    """The longest elapsed time of these rows, or None."""
    times = [as_number(row.elapsed) for row in entries]
    return max([t for t in times if t is not None] or [None])


def clock(seconds):
    """Elapsed seconds as m:ss or h:mm:ss; "" when unknown."""
    value = as_number(seconds)
    if value is None:
        return ""
    whole = int(max(0.0, min(value, 360000.0 - 1)))
    hours, rest = divmod(whole, 3600)
    return ("%d:%02d:%02d" % (hours, rest // 60, rest % 60) if hours
            else "%d:%02d" % (rest // 60, rest % 60))


def percent_text(value):
    return "-" if value is None else "%d%%" % int(value)


def bar(value, width, sgr, color):
    """A bar of width cells, eighths of a cell resolved; empty when unknown."""
    eighths = 0 if value is None else int(round(value / 100.0 * width * 8))
    full, part = divmod(min(eighths, width * 8), 8)
    filled = FULL * full + (EIGHTHS[part] if part else "")
    return paint(filled, sgr, color) + paint(EMPTY * (width - len(filled)), "2", color)


def counts(entries):
    """"2 running, 1 done" for rows (and skipped drivers), in STATES order."""
    tally = collections.Counter(row.state for row in entries)
    order = list(STATES) + ["skipped"] + sorted(set(tally) - set(STATES) - {"skipped"},
                                               key=str)
    return ", ".join("%d %s" % (tally[s], printable(str(s))) for s in order if tally[s])


def state_word(row):
    return row.state if row.state in STYLE else printable(str(row.state))


def row_cells(row, widths, color):
    """The cells of one driver's line, each padded to its column."""
    value, style = percent_of(row), STYLE.get(row.state)
    said = row.reason if row.state == "failed" and row.reason else row.message
    cells_ = []
    for key, width in widths.items():
        if key == "name":
            text = fit(str(row.name), width)
        elif key == "bar":
            cells_.append(" " * width if row.state == "skipped"
                          else bar(value, width, style, color))
            continue
        elif key == "pct":
            text = "" if row.state == "skipped" else pad(percent_text(value), width, True)
        elif key == "elapsed":
            text = pad(clock(row.elapsed), width, True)
        elif key == "status":
            text = fit(percent_text(value) if row.state == "running" and value is not None
                       else state_word(row), width)
        elif key == "state":
            text = clip(state_word(row), width)
        else:
            text = "" if said is None else fit(str(said), width)
        painted = paint(text, style if key in ("state", "status") or (
            key == "text" and row.state == "failed") else None, color)
        cells_.append(painted + " " * (width - cells(text)))
    return cells_


def total_cells(aggregate, entries, widths, color):
    """The top line: the aggregate progress and how many drivers are where."""
    value = clamped(aggregate)
    out, skip_text = [], False
    for key, width in widths.items():
        if key == "name":
            label = clip(TOTAL, width)
            text = paint(label, "1", color) + " " * (width - cells(label))
        elif key == "bar":
            text = bar(value, width, "1", color)
        elif key in ("pct", "status"):
            text = pad(percent_text(value), width, key == "pct")
        elif key == "elapsed":
            text = pad(clock(longest(entries)), width, True)
        elif key == "state":
            room = width + (len(GAP) + widths["text"] if "text" in widths else 0)
            text, skip_text = clip(counts(entries), room), True
        elif skip_text:
            continue
        else:
            text = ""
        out.append(text)
    return out


def selected(entries, room):
    """(entries shown, the line summing up the rest or None), room lines at most."""
    if len(entries) <= room:
        return entries, None
    if room <= 0:
        return [], None
    keep = sorted(sorted(range(len(entries)), key=lambda i: (
        RANK.get(entries[i].state, 2), i))[:room - 1])
    kept = set(keep)
    rest = [e for i, e in enumerate(entries) if i not in kept]
    return [entries[i] for i in keep], "\u2026 %d more: %s" % (len(rest), counts(rest))


def block_lines(aggregate, rows, skipped, width, lines, color):
    """The block: at most `lines` lines of at most `width` cells.

    skipped: {name: why} for the drivers that do not measure (run modes),
    listed after the drivers that do, in the order given.
    """
    entries = list(rows) + [Row(name, "skipped", None, None, why)
                            for name, why in (skipped or {}).items()]
    shown, summary = selected(entries, lines - 1)
    name_cells = max([cells(fit(str(e.name), NAME_MAX)) for e in shown] + [len(TOTAL)])
    elapsed_cells = max([cells(clock(e.elapsed)) for e in shown] +
                        [cells(clock(longest(entries))), 4])    # the total's too
    widths = layout(width, name_cells, elapsed_cells)
    out = [GAP.join(total_cells(aggregate, entries, widths, color)).rstrip(" ")]
    out.extend(GAP.join(row_cells(e, widths, color)).rstrip(" ") for e in shown)
    if summary:
        out.append(clip(summary, width))
    return out[:max(1, lines)]
