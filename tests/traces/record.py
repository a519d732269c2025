#!/usr/bin/env python3
"""Record the traces kept in this directory, from real runs of magg (from source).

    .venv/bin/python tests/traces/record.py          # all of them
    .venv/bin/python tests/traces/record.py cancel   # one

Each scenario is in tests/trace_scenarios.py. Re-record after a change that
alters what the supervisor decides on purpose; tests/test_trace.py replays
these files without starting a process.
"""

import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
sys.path[:0] = [os.path.dirname(TESTS), TESTS]

import aggregator  # noqa: E402
from processes import kill_marked, new_marker  # noqa: E402
from trace_scenarios import SCENARIOS  # noqa: E402


def main(names):
    for name in names or sorted(SCENARIOS):
        marker = new_marker()
        root = tempfile.mkdtemp(prefix="magg-trace-")
        try:
            from pathlib import Path
            seen, trace = SCENARIOS[name](Path(root), aggregator.Magg(marker))
            shutil.copyfile(str(trace), os.path.join(HERE, name + ".trace"))
            print("%s: %s" % (name, seen))
        finally:
            kill_marked(marker)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
