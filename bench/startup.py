"""Start-up: --info with one driver, the first run (unpacking) and warm runs.

The first run gets a fresh, empty SHIV_ROOT each time, so it unpacks the
bundle and writes the .pyc files magg compiles when it unpacks. Warm runs
use the already unpacked SHIV_ROOT. Both alternate with `python -c pass`
on the same interpreter: the floor of any Python start. One module for
both, since they share the servo and the `python -c pass` samples.
"""

import os

from common import APP_ID, make_servo, median, progress, trivial_drivers
from report import SUPERVISION, SUPERVISION_HEADER, Section, ms, target

KEY = "startup"
FIRST_RUN_REPS, QUICK_FIRST_RUN_REPS = 5, 1
WARM_REPS, QUICK_WARM_REPS = 21, 5
TARGET_WARM_S = 0.040


def measure(session):
    runner, base = session.runner, session.base
    first_reps = session.pick(FIRST_RUN_REPS, QUICK_FIRST_RUN_REPS)
    warm_reps = session.pick(WARM_REPS, QUICK_WARM_REPS)
    servo = make_servo(base, "startup", trivial_drivers(1))
    out = os.path.join(base, "startup.out")
    err = os.path.join(base, "startup.err")
    argv = runner.magg("--info", APP_ID)
    bare = [runner.python, "-c", "pass"]
    shared_root = runner.env["SHIV_ROOT"]

    first, first_bare = [], []
    for i in range(first_reps):
        runner.env["SHIV_ROOT"] = os.path.join(base, "shiv-first-%d" % i)
        try:
            first.append(runner.run(argv, servo, None, out, err, expect="ok"))
        finally:
            runner.env["SHIV_ROOT"] = shared_root
        first_bare.append(runner.run(bare, servo))

    runner.run(argv, servo, None, out, err, expect="ok")     # warm-up
    warm, warm_bare = [], []
    for _ in range(warm_reps):
        warm.append(runner.run(argv, servo, None, out, err, expect="ok"))
        warm_bare.append(runner.run(bare, servo))
    result = {
        "first_reps": first_reps, "warm_reps": warm_reps,
        "first_median_s": median(first), "warm_median_s": median(warm),
        "python_pass_median_s": median(warm_bare + first_bare),
        "warm_above_pass_median_s": median([w - b for w, b in zip(warm, warm_bare)]),
        "first_above_pass_median_s": median([f - b for f, b in zip(first, first_bare)]),
        "first_s": first, "warm_s": warm, "python_pass_s": warm_bare,
    }
    progress("startup: first %.3f s, warm %.3f s, python -c pass %.3f s"
             % (result["first_median_s"], result["warm_median_s"],
                result["python_pass_median_s"]))
    return result


def report(st):
    return [Section(SUPERVISION, SUPERVISION_HEADER, [
        ["startup: first run (unpack), --info", st["first_reps"],
         ms(st["first_median_s"]), "+%s over pass" % ms(st["first_above_pass_median_s"])],
        ["startup: warm run, --info", st["warm_reps"], ms(st["warm_median_s"]),
         "+%s over pass" % ms(st["warm_above_pass_median_s"])],
        ["startup: python -c pass", st["warm_reps"] + st["first_reps"],
         ms(st["python_pass_median_s"]), ""],
    ])]


def targets(st):
    return [target("warm_start", "warm start above python -c pass (median)",
                   TARGET_WARM_S, "s", st["warm_above_pass_median_s"])]
