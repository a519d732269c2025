"""What `make bench` prints: the scenarios' tables, the targets, the footnotes.

A scenario's report() returns Sections and footnote strings, its targets()
the values judged against issue 6's limits (see bench.py's docstring).
"""

import collections

# Rows for one printed table; the sections of one title print as one table.
Section = collections.namedtuple("Section", "title header rows")

# The table most scenarios add their rows to, and its columns.
SUPERVISION = "Supervision and start-up (medians)"
SUPERVISION_HEADER = ["scenario", "reps", "value", "note"]


def target(key, what, limit, unit, value):
    """One of a scenario's targets (issue 6), judged: met when value <= limit."""
    return {"key": key, "target": what, "value": value, "limit": limit, "unit": unit,
            "met": value <= limit}


def render(results, scenarios):
    """The whole printed report of results (bench.py's), scenarios in order."""
    m, s = results["machine"], results["settings"]
    out = [
        "magg benchmark, %s%s" % (m["date"], " (--quick)" if s["quick"] else ""),
        "machine: %s; %s CPUs: %s" % (m["uname"], m["nproc"], m["cpu_model"]),
        "load average before the run: %s (other work on the machine adds noise)"
        % " ".join("%.2f" % x for x in m["loadavg_at_start"]),
        "interpreter (every row): %s (Python %s), PYTHONDONTWRITEBYTECODE=%s"
        % (m["python"], m["python_version"], m["PYTHONDONTWRITEBYTECODE"] or "unset"),
        "artifact: %s sha256 %s, run as `%s`"
        % (s["artifact"], s["artifact_sha256"][:16], s["invocation"]),
    ]
    sections, notes = collect(results, scenarios)
    for section in sections:
        out += ["", section.title, table(section.rows, section.header)]
    out += ["", "Targets"]
    out.append(table(
        [[t["target"], fmt_value(t["value"], t["unit"]),
          "<= " + fmt_value(t["limit"], t["unit"]), "met" if t["met"] else "MISSED"]
         for t in results["targets"]],
        ["target", "value", "limit", "verdict"]))
    out += [""] + notes + [
        "Runs after which a process of the run was still alive (waited for, "
        "untimed, before the next run): %d" % s["runs_with_stragglers"]]
    return "\n".join(out)


def collect(results, scenarios):
    """(the tables, one per title in order of first appearance; the footnotes)."""
    sections, notes = [], []
    for scenario in scenarios:
        if scenario.KEY not in results or not hasattr(scenario, "report"):
            continue
        for item in scenario.report(results[scenario.KEY]):
            if not isinstance(item, Section):
                notes.append(item)
                continue
            same = [i for i, s in enumerate(sections) if s.title == item.title]
            if same:
                first = sections[same[0]]
                sections[same[0]] = first._replace(rows=first.rows + item.rows)
            else:
                sections.append(item)
    return sections, notes


def table(rows, header):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(row, widths)))
             for row in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def ms(seconds):
    return "%.1f ms" % (seconds * 1000.0)


def fmt_value(value, unit):
    if unit == "x":
        return "%.2f" % value
    if unit == "/s":
        return "%.1f/s" % value
    if unit == "s":
        return ms(value)
    return "%.1f %s" % (value, unit)
