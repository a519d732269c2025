"""The supervision suites again, with the aggregator on older CPythons.

magg starts drivers with os.posix_spawn from Python 3.8 on and with
subprocess.Popen on 3.6 and 3.7: both paths must stop, kill and reap the
same way. The suites run in a child pytest with MAGG_TEST_PYTHON set (see
supervision_kit.py); the drivers and the agent-like client stay on this
interpreter.
"""

import os
import subprocess
import sys

import pytest

from interpreters import interpreter

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
SUITES = ["test_stop.py", "test_pipes.py", "test_deadlines.py", "test_scale.py"]


@pytest.mark.parametrize("version, suites", [
    ("3.6", SUITES),              # the Popen path, on the oldest servo image
    ("3.8", ["test_stop.py"]),    # the first posix_spawn release
])
def test_supervision_holds_on_older_python(version, suites):
    python = interpreter(version)
    if not os.path.isdir(os.path.join(ROOT, "build", "site-packages", "yaml")):
        pytest.skip("build/site-packages has no PyYAML yet: run `make dist` first")
    env = dict(os.environ, MAGG_TEST_PYTHON=python)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [os.path.join(TESTS, s) for s in suites],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-5000:]
    assert " passed" in proc.stdout, proc.stdout[-2000:]
