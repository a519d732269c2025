"""Hostile input end to end: through magg and real fake drivers.

Each input here once ended in exit 70 (a traceback and "internal-error"),
ran magg out of memory, or kept a deadline from firing. Now the final line
is one JSON object whose status matches the exit code, and it comes in
bounded time. The pure parts are in tests/test_hostile_inputs.py.
"""

import json
import os

import pytest

from fakedriver import write_driver
from test_hostile_inputs import HUGE_INT, alias_bomb

# Whatever breaks, no call here may take longer; the slow drivers sleep longer.
SAFETY = 20


@pytest.fixture
def servo(servo):
    """The servo directory, holding a driver prom that describes cpu."""
    write_driver(servo / "measure.d", "prom", describe={"cpu": {}})
    return servo


def final(run, code):
    """The final line, checked: one JSON object with a status; exit 0 iff ok, never 70."""
    assert run.killed is None and run.stdout, run
    last = json.loads(run.stdout[-1])
    assert isinstance(last, dict) and "status" in last, run
    assert run.returncode == code and (code == 0) == (last["status"] == "ok"), run
    assert "Traceback" not in run.stderr, run
    return last


def measure(magg, servo, request, code, io_timeout=None, **environ):
    run = magg.measure(servo, request, env=magg.env(**environ), io_timeout=io_timeout,
                       timeout=SAFETY)
    return run, final(run, code)


def config(servo, text):
    with open(os.path.join(servo, "config.yaml"), "w") as f:
        f.write(text)


@pytest.mark.parametrize("request_text", [
    "[" * 100000,
    '{"control": {"duration": %s}}' % HUGE_INT,
    '{"control": {"userdata": {"n": 1%s}}}' % ("0" * 5000),
], ids=["nested 100000 deep", "400-digit duration", "5000-digit integer"])
def test_hostile_request_is_a_bad_request(magg, servo, request_text):
    run, last = measure(magg, servo, request_text, 1)
    assert last["status"] == "bad-request"


def test_alias_bomb_in_config_is_a_config_error(magg, servo):
    config(servo, alias_bomb() + "magg:\n  force_cancel: *l9\n")
    run, last = measure(magg, servo, {}, 1)
    assert last["reason"] == "config" and "magg.force_cancel" in last["message"]


def test_config_nested_100000_deep_is_a_config_error(magg, servo):
    config(servo, "magg:\n  grace_period: " + "[" * 100000 + "\n")
    run, last = measure(magg, servo, {}, 1)
    assert last["reason"] == "config" and "nested more than" in last["message"]


def test_driver_line_nested_100000_deep_fails_that_driver(magg, servo):
    write_driver(os.path.join(servo, "measure.d"), "deep", stdout="[" * 100000 + "\n")
    run, last = measure(magg, servo, {}, 1)
    assert "deep: failed: printed a stdout line that nests more than" in last["message"]


def test_progress_that_is_nan_infinite_or_huge_is_read_sanely(magg, servo):
    lines = ['{"progress": %s}' % v for v in ("NaN", "Infinity", "-Infinity", "1e400",
                                              HUGE_INT, '"1e999"')]
    write_driver(os.path.join(servo, "measure.d"), "odd",
                 stdout="\n".join(lines + ['{"status": "ok", "metrics": {}}']) + "\n")
    run, last = measure(magg, servo, {}, 0)
    assert all(0 <= line["progress"] <= 100 for line in run.progress), run.progress


def test_io_timeout_nan_is_ignored_and_the_deadline_still_fires(magg, servo):
    config(servo, "magg:\n  grace_period: 0.5\n")
    write_driver(os.path.join(servo, "measure.d"), "slow", sleep=SAFETY * 2)
    run, last = measure(magg, servo, {}, 1, io_timeout=0, OPTUNE_IO_TIMEOUT="nan")
    assert last["reason"] == "timeout", last
    assert "ignoring OPTUNE_IO_TIMEOUT='nan'" in run.stderr


@pytest.mark.parametrize("value", ["inf", "1e309", "1e300", "-inf"])
def test_io_timeout_infinite_or_huge_measures_normally(magg, servo, value):
    measure(magg, servo, {}, 0, io_timeout=0, OPTUNE_IO_TIMEOUT=value)
