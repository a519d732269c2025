"""magg's own processes under `make mutate` (mutmut 3, see the README).

mutmut copies the tree into mutants/, rewrites each function of app/ into a
trampoline, and names the mutant to run in MUTANT_UNDER_TEST. A magg that a
test starts inherits that variable and imports app from the copy (the
aggregator puts the tree on PYTHONPATH), so it runs the mutant too: an
integration test kills mutants like a unit test does.

What mutmut cannot see is which functions such a magg called. It learns
which tests reach which function once, in its "stats" run, by recording
the calls of its own process. So, in that run only, magg is started through
this file (``python tests/mutation.py ARGS``): it loads mutmut's settings,
runs app as ``python -m app`` does, and at exit writes the functions it
called to a file in MAGG_MUTATE_HITS; ``add_hits`` (conftest.py) gives them
to the test that started it.

Two limits keep a mutant's run short. Only the tests setup.cfg names one by
one (``tests/test_x.py::test_y``, the tour of the OS edge) count for what
their magg processes called; a test file named whole counts only for what
it runs in pytest's own process. And only the OS edge's functions (OS_EDGE)
are counted: a pure rule must be pinned by a unit test, so a mutant of a
pure function runs against the fast unit tests only, not against every
integration test that passes through it; and cli.py and commands.py, which
every magg run passes through, are left to `make test`'s integration
tests, since counting them here would make the run twice as long.
"""

import atexit
import configparser
import functools
import json
import os
import runpy
import sys
import tempfile

TESTS = os.path.dirname(os.path.abspath(__file__))
HITS = "MAGG_MUTATE_HITS"

# The view's renderer and config.py are pure in all but the import rule
# (config reads OPTUNE_IO_TIMEOUT): held to the pure modules' target.
PURE_TOO = ("config", "view.text", "view.block", "view.live", "view.result", "view.numbers")
OS_EDGE = ("loop", "pipes", "stdio", "outbox", "spawn", "signals", "watchdog", "subreaper",
           "trace", "fdlimit", "configfile", "drivers", "trust", "shebang", "terminal", "viewer")


def group(module):
    """"pure", "os-edge" or "other" for a module of app/ ("merge", "view.text")."""
    from test_boundary import PURE
    if module in PURE or module in PURE_TOO:
        return "pure"
    if module in OS_EDGE:
        return "os-edge"
    return "other"


def collecting():
    """Whether this is mutmut's stats run."""
    return os.environ.get("MUTANT_UNDER_TEST") == "stats"


def start(aggregator):
    """In the stats run, every magg the suites start goes through this file."""
    if not collecting() or aggregator.FROM_ARTIFACT or aggregator.foreign_python():
        return
    os.environ[HITS] = tempfile.mkdtemp(prefix="magg-mutate-hits-")
    aggregator.CMD[:] = [aggregator.PYTHON, os.path.abspath(__file__)]


@functools.lru_cache(maxsize=None)
def tour():
    """The node ids setup.cfg's selection names one by one, and [magg-mutate]'s."""
    parser = configparser.ConfigParser()
    parser.read(os.path.join(os.path.dirname(TESTS), "setup.cfg"))
    selection = parser.get("mutmut", "pytest_add_cli_args_test_selection", fallback="")
    selection += " " + parser.get("magg-mutate", "tour", fallback="")
    return {entry.strip() for entry in selection.split() if "::" in entry}


def add_hits(item):
    """The OS-edge functions a tour test's magg processes called, into mutmut's
    record of what the test reached."""
    folder = os.environ.get(HITS)
    if not collecting() or not folder:
        return
    from mutmut.state import state
    counted = item.nodeid in tour()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if path.endswith(".json"):
            with open(path) as handle:
                called = json.load(handle)
            os.unlink(path)
            if counted:
                state()._stats.update(f for f in called if edge(f))


def edge(function):
    """Whether a recorded name ("app.loop.xǁLoopǁrun", "app.merge.x_merge") is
    an OS-edge module's."""
    module = function.split(".x")[0][len("app."):]
    return group(module) == "os-edge"


def dump():
    from mutmut.state import state
    called = sorted(state()._stats)
    fd, path = tempfile.mkstemp(dir=os.environ[HITS], suffix=".tmp")
    with os.fdopen(fd, "w") as handle:
        json.dump(called, handle)
    os.rename(path, path[:-len(".tmp")] + ".json")


def run_magg():
    # mutmut reads its settings (setup.cfg) from the current directory, the
    # copy's root; magg runs in the servo directory.
    here = os.getcwd()
    os.chdir(os.path.dirname(TESTS))
    from mutmut.configuration import config
    config()
    os.chdir(here)
    atexit.register(dump)
    sys.argv[0] = "-m"
    runpy.run_module("app", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    run_magg()
