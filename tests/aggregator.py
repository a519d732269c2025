"""How every suite runs magg: one command, one environment, chosen here.

Two settings, read from the environment of the pytest run:

- MAGG_TEST_ARTIFACT=1 runs the built artifact, dist/measure.pyz (``make
  dist``), instead of the source tree (``python -m app`` with the repository
  on PYTHONPATH).
- MAGG_TEST_PYTHON=/path/to/python3.6 runs magg on that interpreter. From
  source, PyYAML then comes from build/site-packages (staged by ``make
  dist``); the artifact carries its own.

The drivers, the agent-like client (agent.py) and pytest itself stay on the
interpreter running pytest. conftest.py refuses to start when a setting
cannot work (``problem()``) and names the magg under test in pytest's header.

Tests use the ``magg`` fixture, a ``Magg`` bound to the test's process
marker::

    def test_something(servo, magg):
        write_driver(servo / "measure.d", "prom", describe={"cpu": {}})
        run = magg.measure(servo, {"metrics": ["cpu"]})           # an agent.Run
        run = magg.info(servo, env=magg.env(OPTUNE_IO_TIMEOUT="4"))
        proc = subprocess.run(magg.cmd + ["--version"], env=magg.env(), ...)

``reports(line)`` reads one of magg's progress lines back into what each
driver said.
"""

import os
import platform
import subprocess
import sys

import agent
from processes import MARKER_VAR

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACT = os.path.join(REPO, "dist", "measure.pyz")
STAGED = os.path.join(REPO, "build", "site-packages")

PYTHON = os.environ.get("MAGG_TEST_PYTHON") or sys.executable
FROM_ARTIFACT = os.environ.get("MAGG_TEST_ARTIFACT", "") not in ("", "0")
CMD = [PYTHON, ARTIFACT] if FROM_ARTIFACT else [PYTHON, "-m", "app"]

# The artifact drops an `app` imported before it starts (pyz/__main__.py), so
# code that cmd_after() runs first cannot change the artifact's app.
INJECTS = not FROM_ARTIFACT
# Settings of the test run that magg and its drivers must not see.
TEST_SETTINGS = ("MAGG_TEST_PYTHON", "MAGG_TEST_ARTIFACT", "MAGG_TEST_BASELINE", "OPTUNE_IO_TIMEOUT")
APP_ID = "app1"
# No single call may take longer than this, whatever breaks.
SAFETY = 60


def foreign_python():
    return PYTHON != sys.executable


def problem():
    """Why the chosen magg cannot run, or None."""
    if FROM_ARTIFACT and not os.path.isfile(ARTIFACT):
        return "MAGG_TEST_ARTIFACT is set but %s is missing: run `make dist`" % ARTIFACT
    if not os.access(PYTHON, os.X_OK):
        return "MAGG_TEST_PYTHON=%s is not an executable" % PYTHON
    if (not FROM_ARTIFACT and foreign_python()
            and not os.path.isdir(os.path.join(STAGED, "yaml"))):
        return ("MAGG_TEST_PYTHON is set but %s has no PyYAML for it: run `make dist`"
                % STAGED)
    return None


def describe():
    """One line for pytest's header: which magg, on which interpreter."""
    if foreign_python():
        version = subprocess.run(
            [PYTHON, "-c", "import platform; print(platform.python_version())"],
            stdout=subprocess.PIPE, universal_newlines=True).stdout.strip()
    else:
        version = platform.python_version()
    what = ARTIFACT if FROM_ARTIFACT else "the source tree (python -m app)"
    return "magg under test: %s on CPython %s (%s)" % (what, version, PYTHON)


def environment(marker, **extra):
    """The environment of one magg run: this process's, marked, app importable.

    OPTUNE_IO_TIMEOUT is left out unless a test gives it in ``extra``.
    """
    env = dict(os.environ)
    for name in TEST_SETTINGS:
        env.pop(name, None)
    if FROM_ARTIFACT:
        env.pop("PYTHONPATH", None)      # the artifact brings its own app and yaml
    else:
        env["PYTHONPATH"] = (os.pathsep.join([REPO, STAGED]) if foreign_python()
                             else REPO)
    env[MARKER_VAR] = marker
    env.update(extra)
    return env


class Magg(object):
    """magg as the suites run it, bound to one test's marker.

    ``cmd`` and ``env(**extra)`` for running it by hand; ``info``,
    ``describe``, ``measure``, ``start_measure``, ``cycle`` and ``call`` are
    agent.py's calls with that command, that environment (unless ``env`` is
    given), the servo directory as cwd, APP_ID, and SAFETY as the timeout.
    """

    def __init__(self, marker):
        self.marker = marker
        self.cmd = list(CMD)

    def env(self, **extra):
        return environment(self.marker, **extra)

    def cmd_after(self, prologue):
        """The command, with Python code run first in magg's own process: an
        import made to fail, a bug injected (from source only: INJECTS), a
        record of what it loaded."""
        start = ('runpy.run_path(%r, run_name="__main__")' % ARTIFACT if FROM_ARTIFACT
                 else 'runpy.run_module("app", run_name="__main__", alter_sys=True)')
        return [PYTHON, "-c", "import runpy, sys\n%s\n%s\n" % (prologue, start)]

    def _kw(self, kw):
        kw.setdefault("timeout", SAFETY)
        if kw.get("env") is None:
            kw["env"] = self.env()
        return kw

    def info(self, servo, app_id=APP_ID, **kw):
        return agent.info(self.cmd, app_id, str(servo), **self._kw(kw))

    def describe(self, servo, app_id=APP_ID, **kw):
        return agent.describe(self.cmd, app_id, str(servo), **self._kw(kw))

    def measure(self, servo, request, app_id=APP_ID, **kw):
        return agent.measure(self.cmd, app_id, request, str(servo), **self._kw(kw))

    def start_measure(self, servo, request, app_id=APP_ID, **kw):
        return agent.start_measure(self.cmd, app_id, request, str(servo), **self._kw(kw))

    def cycle(self, servo, request, app_id=APP_ID, **kw):
        return agent.cycle(self.cmd, app_id, request, str(servo), **self._kw(kw))

    def call(self, servo, args, stdin=None, **kw):
        """magg with any arguments (``--plan``, usage errors), read like the agent."""
        return agent.call(self.cmd, args, str(servo), stdin, **self._kw(kw))


def reports(line):
    """[(driver, message)] merged into one of magg's progress lines, in order.

    A progress line names each driver that spoke since the previous line,
    with its latest message: {"message": "prom: 50%; vegeta: finished"}.
    """
    return [part.partition(": ")[::2] for part in str(line.get("message", "")).split("; ")]
