"""Deadline: a hung driver; config grace_period 1, request duration 1: a 2 s limit.

From outside only the process start is visible, so lateness is exit time
minus (start + 2 s): it includes magg's start-up, reading config.yaml
(PyYAML is imported for it) and the --info round. The hung driver also
notes when its measure call began, just after magg set the deadline,
which gives a second, closer view: exit minus (that + 2 s).
"""

import os
import time

from common import APP_ID, fail, last_json_line, make_servo, median, progress
from report import SUPERVISION, SUPERVISION_HEADER, Section, ms, target

KEY = "deadline"
GRACE = 1                               # config.yaml magg.grace_period
DURATION = 1                            # request control.duration
REPS, QUICK_REPS = 5, 1
TARGET_S = 0.1

# Hangs in measure, has no cancel (so magg sends SIGTERM, which kills it).
# Notes when its measure call started, so the bench can tell start-up and
# the --info round apart from the deadline itself.
HUNG_DRIVER = """#!/bin/sh
case "$1" in
  --info) echo '{"has_cancel": false, "version": "1.0"}' ;;
  --describe) echo '{"status": "ok", "metrics": {}}' ;;
  *) date +%s.%N >> measure_started
     cat >/dev/null
     sleep 600 & wait ;;
esac
"""


def measure(session):
    runner, base = session.runner, session.base
    reps = session.pick(REPS, QUICK_REPS)
    config = "magg:\n  grace_period: %d\n" % GRACE
    servo = make_servo(base, "deadline", {"hung": HUNG_DRIVER}, config=config,
                       request={"control": {"duration": DURATION}})
    stdin = os.path.join(servo, "request.json")
    out = os.path.join(base, "deadline.out")
    err = os.path.join(base, "deadline.err")
    stamp = os.path.join(servo, "measure_started")
    runner.run(runner.magg("--plan", APP_ID), servo, stdin, out, err, expect="ok")
    limit = last_json_line(out)["time_limit"]["deadline"]
    late_start, late_round = [], []
    for _ in range(reps):
        if os.path.exists(stamp):
            os.unlink(stamp)
        wall_start = time.time()
        wall = runner.run(runner.magg(APP_ID), servo, stdin, out, err, expect="failed")
        wall_end = wall_start + wall
        final = last_json_line(out)
        if final.get("reason") != "timeout":
            fail("deadline: expected a timeout, got %r" % final)
        with open(stamp) as handle:
            started = float(handle.read().split()[0])
        late_start.append(wall - limit)
        late_round.append(wall_end - (started + limit))
    result = {"grace_period": GRACE, "duration": DURATION,
              "deadline_s": limit, "reps": reps,
              "late_from_start_median_s": median(late_start),
              "late_from_measure_median_s": median(late_round),
              "late_from_start_s": late_start, "late_from_measure_s": late_round}
    progress("deadline: %.3f s late from start, %.3f s from the measure round"
             % (result["late_from_start_median_s"], result["late_from_measure_median_s"]))
    return result


def report(d):
    return [Section(SUPERVISION, SUPERVISION_HEADER, [
        ["deadline %gs: exit - (start + %gs)" % (d["deadline_s"], d["deadline_s"]),
         d["reps"], ms(d["late_from_start_median_s"]),
         "from measure round %s" % ms(d["late_from_measure_median_s"])]])]


def targets(d):
    return [target("deadline", "deadline lateness (median, from process start)",
                   TARGET_S, "s", d["late_from_start_median_s"])]
