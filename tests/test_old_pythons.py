"""The protocol and supervision suites again, with magg on older CPythons.

magg starts drivers with os.posix_spawn from Python 3.8 on and with
subprocess.Popen on 3.6 and 3.7: both paths must stop, kill and reap the
same way, and every protocol case must hold on the oldest servo image
(python:3.6-slim). The suites run in a child pytest with MAGG_TEST_PYTHON
set, and MAGG_TEST_ARTIFACT for the built artifact (see aggregator.py); the
drivers and the agent-like client stay on this interpreter.
"""

import os
import subprocess
import sys

import pytest

from aggregator import ARTIFACT, STAGED
from interpreters import interpreter

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
SUPERVISION = ["test_stop.py", "test_pipes.py", "test_deadlines.py", "test_scale.py"]


@pytest.mark.parametrize("version, from_artifact, suites", [
    # the Popen path, on the oldest servo image, from source
    ("3.6", False, ["test_protocol.py"] + SUPERVISION),
    # the first posix_spawn release, as deployed: the built artifact
    ("3.8", True, ["test_stop.py"]),
], ids=["3.6-source", "3.8-artifact"])
def test_suites_hold_with_magg_on_an_older_python(version, from_artifact, suites):
    python = interpreter(version)
    if from_artifact and not os.path.isfile(ARTIFACT):
        pytest.skip("dist/measure.pyz is missing: run `make dist` first")
    if not from_artifact and not os.path.isdir(os.path.join(STAGED, "yaml")):
        pytest.skip("build/site-packages has no PyYAML yet: run `make dist` first")
    env = dict(os.environ, MAGG_TEST_PYTHON=python)
    env.pop("MAGG_TEST_ARTIFACT", None)
    if from_artifact:
        env["MAGG_TEST_ARTIFACT"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider"]
        + [os.path.join(TESTS, s) for s in suites],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        universal_newlines=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-5000:]
    under_test = "magg under test: %s on CPython %s." % (
        ARTIFACT if from_artifact else "the source tree (python -m app)", version)
    assert under_test in proc.stdout, proc.stdout[:2000]
    assert " passed" in proc.stdout, proc.stdout[-2000:]
