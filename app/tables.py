"""The readable tables --plan, --check and --version print on a terminal (pure).

Each takes the command's final JSON object and returns text, so a table
can only show what the machine-readable line says. On a pipe only that
line is printed: scripts and the agent parse it, people read these.

Every value a table shows went through printable(): names, versions,
metrics, units and problems come from drivers and requests, and must not
drive the operator's terminal.
"""

import json

from app.printable import printable

GAP = "  "
NONE = "-"


def grid(headers, rows):
    """Aligned columns under a rule.

    A cell is one value, or a list of values shown one per line; each value
    is made printable first, so a newline inside one is shown, not obeyed.
    """
    cells = [[cell_lines(cell) for cell in row] for row in [headers] + rows]
    widths = [max(len(line) for row in cells for line in row[i])
              for i in range(len(headers))]
    out = []
    for number, row in enumerate(cells):
        for k in range(max(len(cell) for cell in row)):
            out.append(GAP.join((cell[k] if k < len(cell) else "").ljust(width)
                                for cell, width in zip(row, widths)).rstrip())
        if number == 0:
            out.append(GAP.join("-" * width for width in widths))
    return "\n".join(out) + "\n"


def cell_lines(cell):
    values = cell if isinstance(cell, (list, tuple)) else [cell]
    return [printable(str(value)) for value in values] or [NONE]


def yes_no(value):
    return NONE if value is None else ("yes" if value is True else "no")


def seconds(value):
    return NONE if value is None else "%.2f s" % value


def metric_lines(metrics):
    """One line per metric, its unit in parentheses when it has one."""
    lines = []
    for name in sorted(metrics):
        attrs = metrics[name]
        unit = attrs.get("unit") if isinstance(attrs, dict) else None
        lines.append("%s (%s)" % (name, unit) if unit else name)
    return lines or NONE


def compact(obj):
    return json.dumps(obj, sort_keys=True, separators=(", ", ": "))


def note(label, text):
    """One line under a table: a label and a value from outside, made printable."""
    return "%s: %s\n" % (label, printable(str(text)))


def found_notes(report):
    """The lines every report about measure.d ends with: ignored files, warnings."""
    text = "".join(note("not a driver", "%s (%s)" % (name, why))
                   for name, why in sorted(report.get("ignored", {}).items()))
    return text + "".join(note("warning", w) for w in report.get("warnings", ()))


def check_table(report):
    rows = []
    for name, row in report["drivers"].items():
        took = row["seconds"]
        rows.append([name, row["run"],
                     NONE if row["version"] is None else row["version"],
                     yes_no(row["has_cancel"]), seconds(took.get("info")),
                     seconds(took.get("describe")), metric_lines(row["metrics"]),
                     "not run" if row["run"] == "never" else (row["problem"] or "ok")])
    text = grid(["driver", "run", "version", "has_cancel", "--info", "--describe",
                 "metrics", "problem"], rows)
    for item in report["clashes"]:
        text += note("clash", "%s is described by %s" % (item["metric"],
                                                         " and ".join(item["drivers"])))
    for path, why in report.get("unsafe", {}).items():
        text += note("unsafe", "%s: %s" % (path, why))
    text += found_notes(report)
    if report["status"] == "ok":
        return text + ("healthy: every driver answered --info and --describe, "
                       "and no metric is described twice\n")
    return text + note("NOT healthy", report["message"])


def plan_table(plan):
    rows = []
    for name, entry in plan["drivers"].items():
        data = dict(entry["input"])
        metrics = data.pop("metrics", None)
        rows.append((name, ["yes", yes_no(entry["has_cancel"]),
                            list(metrics) if metrics else NONE,
                            compact(data["control"])]))
    for name, why in plan["skipped"].items():
        rows.append((name, ["no: " + why, NONE, NONE, NONE]))
    text = grid(["driver", "measures", "has_cancel", "metrics", "control"],
                [[name] + cells for name, cells in sorted(rows)])
    limit = plan["time_limit"]
    if limit["deadline"] is None:
        text += "time limit: none (grace_period is 0)\n"
    else:
        text += "time limit: %g s (longest warmup + duration + past %g s, grace_period " \
                "%g s)\n" % (limit["deadline"], limit["longest_measurement"],
                             limit["grace_period"])
    text += "has_cancel: %s\n" % yes_no(plan["has_cancel"])
    for key, label in (("unowned_metrics", "metrics no driver describes"),
                       ("unknown_overrides", "overrides for drivers not installed"),
                       ("unused_userdata", "userdata named after a driver, not an "
                                           "override")):
        if plan.get(key):
            text += note(label, ", ".join(str(name) for name in plan[key]))
    return text + found_notes(plan)


def version_table(report):
    rows = [["magg", report["version"]]]
    for name, version in report["drivers"].items():
        problem = report["problems"].get(name)
        if problem is not None:
            version = "cannot answer: " + problem
        rows.append([name, NONE if version is None else version])
    return grid(["name", "version"], rows)
