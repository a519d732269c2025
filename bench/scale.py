"""Scale: --info, --describe and measure with 1..1000 trivial sh drivers, magg
against a plain sh loop starting the same driver invocations.

The sh loop starts exactly the driver invocations magg starts (for
measure: every --info and --describe together, then every measure with the
request on stdin) and throws their output away; magg must also read, check
and merge it. Runs alternate magg, sh, magg, sh ... so load spikes hit
both; the ratio is taken per pair, then its median.

The sh loop gives every driver the whole request; magg gives each its own
share (smaller). measure's request names every metric, so magg runs the
--describe round as the agent's requests make it do.
"""

import os

from common import APP_ID, make_servo, median, progress, shell_loop, trivial_drivers
from report import Section, ms, target

KEY = "overhead"
COMMANDS = ("--info", "--describe", "measure")
DRIVER_COUNTS = (1, 10, 100, 1000)
QUICK_DRIVER_COUNTS = (1, 10, 100)
REPS = {1: 7, 10: 7, 100: 7, 1000: 5}
QUICK_REPS = 3

# The targets of issue 6: (drivers, command, limit of the magg/sh ratio).
TARGETS = ((100, "--info", 2.0), (100, "--describe", 2.0), (100, "measure", 2.0),
           (1000, "--info", 1.3), (1000, "--describe", 1.3), (1000, "measure", 1.3))


def measure(session):
    """[one row per command and number of drivers]."""
    counts = session.pick(DRIVER_COUNTS, QUICK_DRIVER_COUNTS)
    rows = []
    for count in counts:
        drivers = trivial_drivers(count)
        request = {"metrics": ["m_" + n for n in drivers], "control": {}}
        servo = make_servo(session.base, "overhead-%d" % count, drivers, request=request)
        for command in COMMANDS:
            rows.append(pairs(session, servo, count, command,
                              session.pick(REPS[count], QUICK_REPS)))
            progress("overhead %-10s %4d drivers: magg %.3f s, sh %.3f s, ratio %.2f"
                     % (command, count, rows[-1]["magg_median_s"],
                        rows[-1]["shell_median_s"], rows[-1]["ratio_median"]))
    return rows


def pairs(session, servo, count, command, reps):
    """One row: reps alternating magg and sh runs of command, after a warm-up pair."""
    runner, base = session.runner, session.base
    out = os.path.join(base, "overhead-%d.out" % count)
    err = os.path.join(base, "overhead-%d.err" % count)
    if command == "measure":
        argv, stdin = runner.magg(APP_ID), os.path.join(servo, "request.json")
    else:
        argv, stdin = runner.magg(command, APP_ID), None
    shell = ["/bin/sh", "-c", shell_loop(command)]

    def magg_once():
        return runner.run(argv, servo, stdin, out, err, expect="ok")

    def shell_once():
        return runner.run(shell, servo)

    magg_once(), shell_once()          # warm-up: page cache, dentries
    magg_times, shell_times = [], []
    for _ in range(reps):
        magg_times.append(magg_once())
        shell_times.append(shell_once())
    ratios = [m / s for m, s in zip(magg_times, shell_times)]
    return {
        "command": command, "drivers": count, "reps": len(magg_times),
        "magg_median_s": median(magg_times),
        "shell_median_s": median(shell_times),
        "ratio_median": median(ratios),
        "magg_s": magg_times, "shell_s": shell_times,
    }


def report(rows):
    return [Section(
        "Overhead: magg against a plain sh loop starting the same driver invocations "
        "(medians; ratio = median of per-pair magg/sh)",
        ["command", "drivers", "reps", "magg", "sh loop", "magg/sh"],
        [[r["command"], r["drivers"], r["reps"], ms(r["magg_median_s"]),
          ms(r["shell_median_s"]), "%.2f" % r["ratio_median"]] for r in rows])]


def targets(rows):
    ratios = {(r["drivers"], r["command"]): r["ratio_median"] for r in rows}
    return [target("ratio_%d_%s" % (count, command.lstrip("-")),
                   "ratio magg/shell, %s, %d drivers" % (command, count),
                   limit, "x", ratios[count, command])
            for count, command, limit in TARGETS if (count, command) in ratios]
