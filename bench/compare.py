#!/usr/bin/env python3
"""Is this build slower than that one? Two artifacts, interleaved, same drivers.

    bench/compare.py OLD.pyz NEW.pyz [--python PY] [--drivers 1,100,1000] [--reps 9]

bench.py compares magg with a shell loop, and that ratio moves with the
machine's load (the loop's forks overlap on idle CPUs; magg's spawns do
not). To tell a regression from a busy machine, time two builds against
each other instead: the same trivial drivers, the same commands, runs
alternating OLD NEW OLD NEW, so noise hits both. Prints medians and the
median of per-pair NEW/OLD ratios. A build of an older commit:

    git worktree add /tmp/old REV && (cd /tmp/old && make dist)
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import common
from report import ms, table

COMMANDS = (["--info"], ["--describe", common.APP_ID], [common.APP_ID])


def servo_for(base, count, artifacts):
    """A servo directory with `count` trivial drivers and each artifact in it."""
    servo = os.path.join(base, "servo-%d" % count)
    os.makedirs(os.path.join(servo, "measure.d"))
    for name, text in common.trivial_drivers(count).items():
        common.write_executable(os.path.join(servo, "measure.d", name), text)
    for label, path in artifacts.items():
        shutil.copy2(path, os.path.join(servo, "measure-" + label))
    with open(os.path.join(servo, "request.json"), "w") as handle:
        handle.write('{"control": {}}')
    return servo


def timed(argv, cwd, env):
    with open(os.path.join(cwd, "request.json"), "rb") as stdin:
        start = time.perf_counter()
        code = subprocess.call(argv, cwd=cwd, env=env, stdin=stdin,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
    if code != 0:
        common.fail("%s exited %d in %s" % (" ".join(argv), code, cwd))
    return elapsed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--python", default=None)
    parser.add_argument("--drivers", default="1,100,1000")
    parser.add_argument("--reps", type=int, default=9)
    args = parser.parse_args(argv)
    python = common.real_python(args.python)
    artifacts = {"old": os.path.abspath(args.old), "new": os.path.abspath(args.new)}
    rows = []
    with tempfile.TemporaryDirectory(prefix="magg-compare-") as base:
        env = dict(os.environ, SHIV_ROOT=os.path.join(base, "shiv"))
        env.pop("PYTHONPATH", None)
        for count in [int(n) for n in args.drivers.split(",")]:
            servo = servo_for(base, count, artifacts)
            for command in COMMANDS:
                times = {"old": [], "new": []}
                for label in ("old", "new"):        # unpack both, untimed
                    timed([python, "./measure-" + label] + command, servo, env)
                for _ in range(args.reps):
                    for label in ("old", "new"):
                        times[label].append(timed(
                            [python, "./measure-" + label] + command, servo, env))
                ratio = statistics.median(n / o for o, n in zip(times["old"], times["new"]))
                rows.append([command[0].lstrip("-") if command[0].startswith("-")
                             else "measure", count, ms(statistics.median(times["old"])),
                             ms(statistics.median(times["new"])), "%.3f" % ratio])
                common.progress("%s, %d drivers: new/old %s" % (rows[-1][0], count, rows[-1][-1]))
    print("old: %s\nnew: %s\ninterpreter: %s (%s), %d alternating pairs per row\n" % (
        args.old, args.new, python, common.python_version(python), args.reps))
    print(table(rows, ["command", "drivers", "old", "new", "new/old"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
