"""What MAGG_TRACE costs per event, and that it costs nothing when unset.

Per event: the artifact's own trace code (app/trace.py, imported from the
zip) writes a trace of typical events to a file in a fresh interpreter: a
small stdout chunk with a progress line and the Emit it caused (most of a
measurement), a Tick with no action, and a 64 KiB stdout chunk (a driver
that writes a lot; its bytes are escaped into the JSON line). The time per
step is what each event of a run adds when the trace is on.

End to end: a measurement of four drivers that report 250 progress lines
each, with MAGG_TRACE unset and set, interleaved A B A B. The drivers write
fast, so magg reads many lines at a time: the events are few and the
difference is within noise; the per-event numbers are the ones to use.
"""

import json
import os
import subprocess

from common import APP_ID, fail, make_servo, median, progress
from report import SUPERVISION, SUPERVISION_HEADER, Section, ms

KEY = "trace_cost"
DRIVERS = 4
LINES = 250
PAIRS, QUICK_PAIRS = 7, 3
STEPS = {"progress": 20000, "tick": 20000, "chunk-64k": 300}
QUICK_STEPS = {"progress": 2000, "tick": 2000, "chunk-64k": 30}

DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": true, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {}}' ;;
  *) cat >/dev/null
     i=0
     while [ $i -lt %(lines)d ]; do
       echo "{\\"progress\\": $((i * 100 / %(lines)d)), \\"message\\": \\"line $i\\"}"
       i=$((i + 1))
     done
     echo '{"status": "ok", "metrics": {}}' ;;
esac
"""

# Times Trace.step for each kind of event; prints {kind: seconds per step}.
STEP_TIMER = r"""
import json, os, sys, time
sys.path.insert(0, os.path.join(sys.argv[1], "site-packages"))
from app import events, trace
steps = json.loads(sys.argv[3])
samples = {
    "progress": (events.Output(0, "stdout", b'{"progress": 42, "message": "line 42"}\n'),
                 [events.Emit({"progress": 42, "message": "d0: line 42"})]),
    "tick": (events.Tick(), []),
    "chunk-64k": (events.Output(0, "stdout", bytes(range(256)) * 256), []),
}
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
out = trace.Trace(fd, 0, lambda text: sys.exit(text), limit=1 << 62)
result = {}
for kind, (event, actions) in samples.items():
    start = time.perf_counter()
    for i in range(steps[kind]):
        out.step(1000.0 + i, event, actions)
    result[kind] = (time.perf_counter() - start) / steps[kind]
print(json.dumps(result))
"""


def measure(session):
    runner = session.runner
    per_step = step_costs(session)
    pairs = session.pick(PAIRS, QUICK_PAIRS)
    drivers = {"d%d" % i: DRIVER % {"lines": LINES} for i in range(DRIVERS)}
    servo = make_servo(session.base, "trace", drivers, config="magg:\n  progress_interval: 0\n",
                       request={"control": {}})
    trace = os.path.join(session.base, "run.trace")
    argv = runner.magg(APP_ID)
    stdin, out = os.path.join(servo, "request.json"), os.path.join(servo, "out.txt")
    plain, traced, events = [], [], []
    for _ in range(pairs):
        plain.append(runner.run(argv, servo, stdin, out, expect="ok"))
        if os.path.exists(trace):
            os.unlink(trace)
        runner.env["MAGG_TRACE"] = trace
        try:
            traced.append(runner.run(argv, servo, stdin, out, expect="ok"))
        finally:
            del runner.env["MAGG_TRACE"]
        with open(trace) as handle:
            events.append(sum(1 for line in handle if line.startswith('{"t"')))
    result = {"drivers": DRIVERS, "lines_per_driver": LINES, "pairs": pairs,
              "plain_s": median(plain), "traced_s": median(traced),
              "events": median(events), "per_step_s": per_step}
    progress("trace: %s per step" % ", ".join(
        "%s %.1f us" % (kind, seconds * 1e6) for kind, seconds in per_step.items()))
    return result


def step_costs(session):
    steps = session.pick(STEPS, QUICK_STEPS)
    path = os.path.join(session.base, "steps.trace")
    done = subprocess.run([session.python, "-c", STEP_TIMER, session.artifact, path,
                           json.dumps(steps)], stdout=subprocess.PIPE, env=session.runner.env)
    if done.returncode != 0:
        fail("trace_cost: the step timer failed (exit %d)" % done.returncode)
    os.unlink(path)
    return json.loads(done.stdout.decode())


def report(r):
    steps = r["per_step_s"]
    return [Section(SUPERVISION, SUPERVISION_HEADER, [
        ["MAGG_TRACE, per event: a progress chunk and its Emit", "", "%.1f us"
         % (steps["progress"] * 1e6), "a Tick: %.1f us; a 64 KiB chunk: %.0f us"
         % (steps["tick"] * 1e6, steps["chunk-64k"] * 1e6)],
        ["measure, %d drivers x %d progress lines: MAGG_TRACE unset / set"
         % (r["drivers"], r["lines_per_driver"]), r["pairs"],
         "%s / %s" % (ms(r["plain_s"]), ms(r["traced_s"])), "%d events traced" % r["events"]]])]
