"""`make bench`'s slow-agent rows: magg against a plain pass-through, at the agent's pace.

The real agent makes one backend request per progress line and reads
nothing meanwhile (protocol.md, "The agent's pace"). Here the agent is
tests/paced_agent.py with a 50 ms round trip per progress line, reading
four drivers that each report 20 times a second for 5 s. Two ways to bring
their lines to it, run alternately in one session:

- magg (the artifact), which sends progress as state: at most one line
  unread, at most one a progress_interval;
- a pass-through: the drivers started by `sh`, their stdout merged into one
  pipe and relayed by `cat`, SIGUSR1 forwarded to them. It stands for any
  aggregator that forwards every line, as the seed's did.

Measured: progress lines the agent received per second, and the time from
the cancel (sent in answer to the first progress line read after 2 s, as
the agent does) to the final line read.
"""

import os
import statistics
import sys

from common import make_servo, progress, write_executable
from report import Section, ms, target

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "tests"))
import paced_agent  # noqa: E402  (stdlib only; shared with the tests)

KEY = "slow_agent"
DRIVERS = 4
LINES = 100                 # per driver, one every 50 ms: 5 s
CANCEL_AFTER = 2.0
# --quick (tests/test_bench.py's smoke run): the same shape, smaller.
QUICK_DRIVERS, QUICK_LINES, QUICK_CANCEL_AFTER = 2, 20, 0.5
ROUND_TRIP = 0.05
TIMEOUT = 120.0
REPS, QUICK_REPS = 3, 1
TARGET_LINES_PER_S = 1.5
TARGET_CANCEL_S = 1.0

DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": true, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {}}' ;;
  *) cat >/dev/null
     trap 'echo "{\\"status\\": \\"failed\\", \\"reason\\": \\"cancelled\\", \\"message\\": \\"cancelled\\"}"; exit 3' USR1
     i=0
     while [ $i -lt %(lines)d ]; do
       i=$((i+1))
       echo "{\\"progress\\": $((i * 100 / %(lines)d)), \\"message\\": \\"step $i\\"}"
       sleep 0.05
     done
     echo '{"status": "ok", "metrics": {"%(metric)s": {"value": 1}}}' ;;
esac
"""

# Every driver's stdout into one FIFO, relayed by cat; SIGUSR1 forwarded.
PASS_THROUGH = """#!/bin/sh
dir=$(mktemp -d)
mkfifo "$dir/lines"
cat "$dir/lines" &
exec 3>"$dir/lines"
pids=
for d in ./measure.d/*; do "$d" "$1" </dev/null >&3 & pids="$pids $!"; done
exec 3>&-
trap 'kill -USR1 $pids 2>/dev/null' USR1
until wait; do :; done
rm -r "$dir"
"""


def setup(base, drivers, lines):
    """The servo directory: the reporting drivers, magg's pass-through rival."""
    drivers = {"d%d" % i: DRIVER % {"lines": lines, "metric": "m%d" % i}
               for i in range(drivers)}
    servo = make_servo(base, "slow-agent", drivers, request={"control": {}})
    write_executable(os.path.join(servo, "pass-through"), PASS_THROUGH)
    return servo


def one_run(argv, servo, env, cancel_after):
    """Lines per second received, or (cancel_after given) cancel-to-final seconds."""
    run = paced_agent.measure(
        argv[:-1], argv[-1], {"control": {}}, servo, env, round_trip=ROUND_TRIP,
        on_progress=paced_agent.cancel_after(cancel_after) if cancel_after else None,
        timeout=TIMEOUT)
    if run.result is None:
        raise RuntimeError("slow agent: no final line from %s: %r" % (argv, run))
    if cancel_after:
        return run.final_at - run.cancelled_at
    return len(run.progress) / run.final_at


def measure(session):
    """{"magg": {...}, "pass_through": {...}}, medians over reps, interleaved."""
    runner, reps = session.runner, session.pick(REPS, QUICK_REPS)
    drivers, lines, cancel_after = session.pick((DRIVERS, LINES, CANCEL_AFTER),
                                                (QUICK_DRIVERS, QUICK_LINES,
                                                 QUICK_CANCEL_AFTER))
    servo = setup(session.base, drivers, lines)
    commands = {"magg": runner.magg("app"), "pass_through": ["./pass-through", "app"]}
    samples = {name: {"lines_per_s": [], "cancel_to_final_s": []} for name in commands}
    for _ in range(reps):
        for name, argv in sorted(commands.items()):
            samples[name]["lines_per_s"].append(one_run(argv, servo, runner.env, None))
            runner.settle()
            samples[name]["cancel_to_final_s"].append(
                one_run(argv, servo, runner.env, cancel_after))
            runner.settle()
    result = {"drivers": drivers, "lines_per_driver_per_s": 20, "round_trip_s": ROUND_TRIP,
              "cancel_after_s": cancel_after, "reps": reps}
    for name, values in samples.items():
        result[name] = {key: statistics.median(v) for key, v in values.items()}
        result[name]["samples"] = values
    progress("slow agent: magg %.1f lines/s, cancel %.3f s; pass-through %.1f "
             "lines/s, cancel %.3f s" % (
                 result["magg"]["lines_per_s"], result["magg"]["cancel_to_final_s"],
                 result["pass_through"]["lines_per_s"],
                 result["pass_through"]["cancel_to_final_s"]))
    return result


def report(sa):
    return [Section(
        "Slow agent: %d drivers x 20 progress lines/s, %d ms per progress line "
        "read (medians of %d)" % (sa["drivers"], sa["round_trip_s"] * 1000, sa["reps"]),
        ["", "magg", "pass-through (cat)"],
        [["progress lines received per second", "%.1f" % sa["magg"]["lines_per_s"],
          "%.1f" % sa["pass_through"]["lines_per_s"]],
         ["SIGUSR1 -> final line read", ms(sa["magg"]["cancel_to_final_s"]),
          ms(sa["pass_through"]["cancel_to_final_s"])]])]


def targets(sa):
    return [target("slow_agent_lines", "slow agent: progress lines received per second",
                   TARGET_LINES_PER_S, "/s", sa["magg"]["lines_per_s"]),
            target("slow_agent_cancel", "slow agent: SIGUSR1 to final line read",
                   TARGET_CANCEL_S, "s", sa["magg"]["cancel_to_final_s"])]
