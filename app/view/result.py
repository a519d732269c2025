"""The table a measurement ends with, above the final JSON line (pure).

Like the --plan and --check tables it shows only what the final line says,
plus who owns each metric and, on failure, the tail of each failed driver's
stderr. A time series (the Prometheus driver's `values: [{id, data: [[t,
v], ...]}]`) is one row per series: its last value, min, mean, max and a
sparkline. Any other payload is shown compactly; no value can make it fail.
Every line fits the width, like the live block's.
"""

from app.bounds import short
from app.view.numbers import mean, number, sparkline, stat
from app.view.text import ELLIPSIS, cells, clip, decoded, fit, pad, paint, printable

TREND_MAX = 24          # sparkline cells at most, however long the series
TAIL_LINES = 6          # stderr lines shown per failed driver
MESSAGE_LINES = 8       # lines of the final message shown when no driver failed
CELL_LOOK = 256         # characters of a value looked at before it is cut
GAP = "  "

COLUMNS = ("metric", "series", "driver", "value", "unit", "min", "mean", "max", "trend")
# How far a column is cut: first only to what still reads well (SOFT),
# dropping the statistics and then other columns before anything is cut
# further (HARD). Columns not named are never cut (numbers, status words).
SOFT = {"metric": 20, "series": 12, "driver": 14, "value": 12, "unit": 6, "trend": 8,
        "annotation": 16, "reason": 14, "message": 20}
HARD = {"metric": 8, "series": 6, "driver": 8, "value": 6, "unit": 4, "trend": 5,
        "annotation": 8, "reason": 6, "message": 10}
# Columns dropped, in this order, when cutting every column is not enough.
METRIC_DROPS = ("mean", "min", "max", "trend", "driver", "series", "unit")
FAILURE_DROPS = ("reason", "status", "message")


def bounded(text):
    """text, or its head and an ellipsis: no cell needs more to be measured."""
    return text if len(text) <= CELL_LOOK else text[:CELL_LOOK] + ELLIPSIS


def shown(value):
    """A payload value as short text: numbers as they read, others compact."""
    if isinstance(value, str):
        return bounded(value)
    if isinstance(value, float) and number(value) is not None:
        return "%.10g" % value
    return short(value, CELL_LOOK)


def series_row(item):
    """The cells a series adds: id, last value, min, mean, max, its points."""
    if not isinstance(item, dict):
        return {"value": shown(item)}
    data = item.get("data")
    pairs = data if isinstance(data, list) else []
    points = [number(p[1]) for p in pairs if isinstance(p, (list, tuple)) and len(p) > 1]
    points = [p for p in points if p is not None]
    row = {"series": "" if item.get("id") is None else shown(item.get("id"))}
    if not points:
        row["value"] = "no data" if data is None or isinstance(data, list) else shown(data)
        return row
    row.update(value=stat(points[-1]), min=stat(min(points)), mean=stat(mean(points)),
               max=stat(max(points)), trend=points)
    return row


def metric_rows(metrics, owners, units):
    """Cells per row, by column; a time series gives one row per series."""
    rows = []
    for name in sorted(metrics, key=str):
        payload = metrics[name]
        owner = owners.get(name)
        base = {"metric": bounded(str(name)), "driver": "-" if owner is None else
                bounded(str(owner))}
        unit = payload.get("unit") if isinstance(payload, dict) else None
        base["unit"] = shown(unit if unit is not None else units.get(name, ""))
        series = payload.get("values") if isinstance(payload, dict) else None
        if isinstance(series, list):
            for item in series or [{"data": "no series"}]:
                row = dict(base)
                row.update(series_row(item))
                rows.append(row)
            continue
        value = payload.get("value", payload) if isinstance(payload, dict) else payload
        rows.append(dict(base, value=shown(value)))
    return rows


def widths(columns, rows, room, drops):
    """[(column, cells)] for the columns that stay, the whole within room.

    The widest column that may be cut gives up a cell at a time, so a wide
    table shrinks evenly: first to SOFT, dropping columns in `drops` order
    while that is not enough, then to HARD. A room of a few cells keeps
    the first column only.
    """
    natural = {}
    for column in columns:
        if column == "trend":
            texts = [column] + ["x" * len(row["trend"][:TREND_MAX])
                                for row in rows if "trend" in row]
        else:
            texts = [column] + [printable(row.get(column, "")) for row in rows]
        natural[column] = max(cells(text) for text in texts)
    for least in (SOFT, HARD):
        kept = list(columns)
        for dropped in [None] + [c for c in drops if c in columns]:
            if dropped is not None:
                kept.remove(dropped)
            given, over = _cut({c: natural[c] for c in kept}, least, room)
            if over <= 0:
                return [(c, given[c]) for c in kept]
    # Too narrow even so: the first column alone (every table keeps at most
    # two once its drops are gone), cut to the room.
    return [(kept[0], min(given[kept[0]], room))]


def _cut(given, least, room):
    """(widths, cells still too many) after cutting columns down to least."""
    over = sum(given.values()) + len(GAP) * (len(given) - 1) - room
    while over > 0:
        cuttable = [c for c in given if c in least and given[c] > least[c]]
        if not cuttable:
            break
        widest = max(cuttable, key=lambda c: given[c])
        given[widest] -= 1
        over -= 1
    return given, over


def grid(columns, rows, room, color, drops=METRIC_DROPS, styles=None):
    """[header, rule] + one line per row, every line at most room cells."""
    plan = widths(columns, rows, room, drops)
    lines = [paint(clip(GAP.join(pad(clip(c, w), w) for c, w in plan).rstrip(), room),
                   "1", color),
             clip(GAP.join("-" * w for _, w in plan), room)]
    for index, row in enumerate(rows):
        out = []
        for column, width in plan:
            if column == "trend":
                text = sparkline(row.get("trend") or [], width)
            else:
                text = fit(row.get(column, ""), width)
            sgr = (styles or {}).get((index, column))
            out.append(paint(text, sgr, color) + " " * (width - cells(text)))
        lines.append(GAP.join(out).rstrip(" "))
    return lines


def result_table(final, owners, failures, width, color, units=None):
    """Text for the end of a measurement, ending in a newline.

    final: the final JSON object as it will be printed; owners: {metric:
    driver}; failures: (name, status, reason, message, stderr tail bytes)
    for each failed driver; units: {metric: unit} from --describe, for
    payloads that carry none.
    """
    room = max(1, int(width) - 1)
    if not isinstance(final, dict):
        final = {"message": shown(final)}     # failed_lines says "failed"
    if final.get("status") == "ok":
        lines = ok_lines(final, owners or {}, units or {}, room, color)
    else:
        lines = failed_lines(final, list(failures or ()), room, color)
    return "".join(line + "\n" for line in lines)


def ok_lines(final, owners, units, room, color):
    metrics = final.get("metrics")
    metrics = metrics if isinstance(metrics, dict) else {}
    rows = metric_rows(metrics, owners, units)
    # Every row has a metric, driver, value and unit; the others when some row has them.
    columns = [c for c in COLUMNS if any(c in row for row in rows)]
    if not any(len(p.get("values")) > 1 for p in metrics.values()
               if isinstance(p, dict) and isinstance(p.get("values"), list)):
        columns = [c for c in columns if c != "series"]   # one series: its id is noise
    lines = grid(columns, rows, room, color) if rows else [clip("no metrics", room)]
    annotations = final.get("annotations")
    if isinstance(annotations, dict) and annotations:
        rows = [{"annotation": bounded(str(key)), "value": shown(value)}
                for key, value in sorted(annotations.items(), key=lambda kv: str(kv[0]))]
        lines += [""] + grid(["annotation", "value"], rows, room, color)
    return lines


def failed_lines(final, failures, room, color):
    head = "measurement " + shown(final.get("status", "failed"))
    if final.get("reason") is not None:
        head += ": " + shown(final.get("reason"))
    lines = [paint(fit(head, room), "1;31", color)]
    if not failures:
        text = shown(final.get("message", ""))
        lines += [clip("  " + fit(line, room), room)
                  for line in text.split("\n")[:MESSAGE_LINES]]
        return lines
    rows = [{"driver": bounded(str(f[0])), "status": shown(f[1]), "reason": shown(f[2]),
             "message": shown(f[3] if f[3] is not None else "")} for f in failures]
    styles = {(i, "status"): "31" for i in range(len(rows))}
    table = grid(["driver", "status", "reason", "message"], rows, room, color,
                 FAILURE_DROPS, styles)
    lines += table[:2]
    for line, failure in zip(table[2:], failures):
        lines.append(line)
        lines += [clip("  \u2502 " + fit(text, room - 4), room) for text in tail(failure[4])]
    return lines


def tail(data):
    """The last TAIL_LINES lines of a stderr tail (bytes), as text."""
    text = decoded(data or b"")
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return [line.expandtabs() for line in lines[-TAIL_LINES:]]
