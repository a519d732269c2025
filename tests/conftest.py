"""Fixtures every suite shares, and `app` plus the test helpers importable
however pytest is run.

- ``servo``: an empty servo directory (a Path) holding ``measure.d/``; write
  drivers with fakedriver.py and ``config.yaml`` with ``write_text``.
- ``measure_d``: that ``measure.d``.
- ``marker``: a fresh token for MAGG_TEST_MARKER; whatever still carries it
  when the test ends is killed (processes.py finds leftovers by it).
- ``magg``: how to run magg (aggregator.py): the command and environment
  chosen by MAGG_TEST_ARTIFACT / MAGG_TEST_PYTHON, bound to ``marker``.
"""

import os
import sys

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
for path in (ROOT, TESTS):
    if path not in sys.path:
        sys.path.insert(0, path)

import aggregator  # noqa: E402 (needs the path above)
import mutation  # noqa: E402
from fakedriver import make_servo  # noqa: E402
from processes import kill_marked, new_marker  # noqa: E402


def pytest_configure(config):
    problem = aggregator.problem()
    if problem:
        raise pytest.UsageError(problem)
    mutation.start(aggregator)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item):
    mutation.add_hits(item)     # `make mutate` only: see mutation.py


def pytest_report_header(config):
    return aggregator.describe()


@pytest.fixture
def servo(tmp_path):
    return make_servo(tmp_path / "servo")


@pytest.fixture
def measure_d(servo):
    return servo / "measure.d"


@pytest.fixture
def marker():
    token = new_marker()
    yield token
    kill_marked(token)


@pytest.fixture
def magg(marker):
    return aggregator.Magg(marker)
