#!/usr/bin/env python3
"""`make bench`: what the aggregator (magg) adds to a measurement, in one run.

    bench/bench.py [--python PY] [--out FILE] [--quick]

Operators ask what magg costs next to running the drivers themselves, and
whether it holds up with many or noisy drivers (issue 6). This script
answers on the built artifact, dist/measure.pyz, copied as `measure` into
throw-away servo directories, and compares it with the least work any
aggregator must do: the same driver invocations started in parallel by a
plain `sh` loop.

Scenarios, one module each, run and printed in the order of SCENARIOS:
  scale       --info, --describe and measure with 1..1000 trivial sh drivers,
              magg against the sh loop, interleaved A B A B so noise hits both
  memory      four drivers writing 50 MB of stderr each: wall time, peak RSS
  cancel      SIGUSR1 to magg while two drivers measure: time until it exits
  deadline    a hung driver, grace_period 1 + duration 1: lateness after 2 s
  startup     first run (unpacking) and warm runs of --info, against
              `python3 -c pass` on the same interpreter
  slow_agent  an agent that spends 50 ms per progress line (the backend
              round trip) reading four drivers that report 20 times a second:
              magg against a pass-through relaying every line
  large_config  --info with a 5 MB config.yaml against a small one
  trace_cost  a measurement with and without MAGG_TRACE, per event

Adding a scenario is a module in bench/ and its name in SCENARIOS. The
module has
  KEY               its section of results.json
  measure(session)  runs it and returns that section (plain JSON values);
                    session (common.Session) has .runner (starts and times
                    magg and shell commands: common.Runner), .base (a scratch
                    directory; make servos in it with common.make_servo),
                    .python, .artifact, and .pick(full, quick) for sizes that
                    shrink in a --quick run
and, optionally,
  report(section)   what to print: report.Section(title, header, rows) tables
                    (rows of sections with the same title print as one table:
                    report.SUPERVISION is the shared one) and footnote strings
  targets(section)  [report.target(key, what, limit, unit, value)]: judged
                    value <= limit, listed under Targets and in results.json
Each module's docstring says what it measures and why it is measured so.

Every Python process is started by the real interpreter's path (a pyenv
shim adds tens of milliseconds to each start), and the artifact is run as
`REAL_PYTHON ./measure ...`, bypassing its `#!/usr/bin/env python3`
shebang. The environment is passed on as it is (PYTHONDONTWRITEBYTECODE=1
stays set if it is), except PYTHONPATH, which is removed so the repository's
app/ cannot shadow the artifact's, and SHIV_ROOT, which points into the
temporary directory so the unpacked bundle is this run's own.

Standard library only. Prints a plain-text table and writes the same data
as JSON (bench/results.json by default, --out FILE otherwise).
"""

import argparse
import datetime
import hashlib
import importlib
import json
import os
import platform
import sys
import tempfile

from common import ARTIFACT, ROOT, Runner, Session, fail, progress, python_version, real_python
from report import render

SCENARIOS = ("scale", "memory", "cancel", "deadline", "startup", "slow_agent", "large_config",
             "trace_cost")

DEFAULT_OUT = os.path.join(ROOT, "bench", "results.json")


def machine_info(python):
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "uname": " ".join(platform.uname()),
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": python,
        "python_version": python_version(python),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S UTC"),
        "loadavg_at_start": os.getloadavg(),
        "PYTHONDONTWRITEBYTECODE": os.environ.get("PYTHONDONTWRITEBYTECODE", ""),
    }


def scenarios():
    return [importlib.import_module(name) for name in SCENARIOS]


def judge(results):
    """[{key, target, value, limit, unit, met}] of every scenario that was run."""
    verdicts = []
    for scenario in scenarios():
        if scenario.KEY in results and hasattr(scenario, "targets"):
            verdicts.extend(scenario.targets(results[scenario.KEY]))
    return verdicts


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: fewer repetitions, up to 100 drivers, 5 MB noise")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="JSON results file (default: bench/results.json)")
    parser.add_argument("--python", default=None,
                        help="interpreter to run the artifact with (default: the real "
                             "interpreter behind the one running this script)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not os.path.isfile(ARTIFACT):
        fail("%s does not exist yet: build it first with `make dist` (the numbers "
             "must come from the artifact, not from app/)" % ARTIFACT)
    python = real_python(args.python)
    with open(ARTIFACT, "rb") as handle:
        sha = hashlib.sha256(handle.read()).hexdigest()
    with tempfile.TemporaryDirectory(prefix="magg-bench-") as base:
        env = dict(os.environ, SHIV_ROOT=os.path.join(base, "shiv"))
        env.pop("PYTHONPATH", None)
        runner = Runner(python, env)
        results = {
            "machine": machine_info(python),
            "settings": {
                "quick": args.quick, "artifact": os.path.relpath(ARTIFACT, ROOT),
                "artifact_sha256": sha,
                "invocation": "%s ./measure ARGS (shebang bypassed)" % python,
                "shell": "/bin/sh -> %s" % os.path.realpath("/bin/sh"),
                "magg_stdout": "a file (last line checked after timing)",
                "magg_stderr": "a file, /dev/null for noisy drivers",
            },
        }
        session = Session(runner, base, args.quick)
        for scenario in scenarios():
            results[scenario.KEY] = scenario.measure(session)
    results["machine"]["loadavg_at_end"] = os.getloadavg()
    results["settings"]["runs_with_stragglers"] = runner.stragglers
    results["targets"] = judge(results)
    text = render(results, scenarios())
    print(text)
    results["table"] = text
    with open(args.out, "w") as handle:
        json.dump(results, handle, indent=2)
        handle.write("\n")
    progress("wrote %s" % args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
