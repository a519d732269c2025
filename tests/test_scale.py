"""Scale (issue 3): 1000 drivers in measure.d, also under a low fd limit."""

import json
import os
import resource
import subprocess

import pytest

from supervision_kit import CMD, aggregator_env, leftovers_after, marker  # noqa: F401

DRIVERS = 1000
SAFETY = 120

# A tiny driver owning one metric; notes each run in $SCALE_LOG when set.
TINY = """#!/bin/sh
[ -n "$SCALE_LOG" ] && echo "%(name)s $1" >> "$SCALE_LOG"
case "$1" in
--info) echo '{"has_cancel": true, "version": "1"}' ;;
--describe) echo '{"status": "ok", "metrics": {"%(metric)s": {"unit": "n"}}}' ;;
*) cat >/dev/null; echo '{"status": "ok", "metrics": {"%(metric)s": {"value": %(value)d}}}' ;;
esac
"""


def metric(i):
    return "m%04d" % i


@pytest.fixture(scope="module")
def servo(tmp_path_factory):
    root = tmp_path_factory.mktemp("servo1000")
    os.makedirs(str(root / "measure.d"))
    for i in range(DRIVERS):
        path = str(root / "measure.d" / ("d%04d" % i))
        with open(path, "w") as f:
            f.write(TINY % {"name": "d%04d" % i, "metric": metric(i), "value": i})
        os.chmod(path, 0o755)
    return root


def limit_fds(soft, hard=None):
    """A preexec_fn: lower RLIMIT_NOFILE for magg only (hard None: keep it)."""
    def lower():
        current_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (soft, current_hard if hard is None else hard))
    return lower


def run_magg(servo, marker, args, request=None, **kw):
    """(exit code, final line as a dict) of one magg call."""
    env = aggregator_env(marker, **kw.pop("env", {}))
    proc = subprocess.run(CMD + args, cwd=str(servo), env=env, timeout=SAFETY,
                          input=json.dumps(request).encode() if request else b"",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    lines = proc.stdout.decode().splitlines()
    assert lines, proc.stderr.decode()[-2000:]
    return proc.returncode, json.loads(lines[-1])


def every_metric():
    return [metric(i) for i in range(DRIVERS)]


def test_1000_drivers_answer_info(servo, marker):
    code, final = run_magg(servo, marker, ["--info", "app1"])

    assert code == 0, final
    assert final["has_cancel"] is True
    assert len(final["drivers"]) == DRIVERS


def test_1000_drivers_answer_describe(servo, marker):
    code, final = run_magg(servo, marker, ["--describe", "app1"])

    assert code == 0, final
    assert final["metrics"] == {metric(i): {"unit": "n"} for i in range(DRIVERS)}


def test_1000_drivers_measure(servo, marker):
    code, final = run_magg(servo, marker, ["app1"],
                           {"metrics": every_metric(), "control": {"duration": 0}})

    assert code == 0, final
    assert final["metrics"] == {metric(i): {"value": i} for i in range(DRIVERS)}
    assert leftovers_after(marker, 1.0) == []


def test_1000_drivers_measure_with_the_soft_fd_limit_lowered_to_256(servo, marker):
    code, final = run_magg(servo, marker, ["app1"],
                           {"metrics": every_metric(), "control": {"duration": 0}},
                           preexec_fn=limit_fds(256))

    assert code == 0, final
    assert final["metrics"] == {metric(i): {"value": i} for i in range(DRIVERS)}


def test_1000_drivers_under_a_hard_fd_limit_of_256_is_a_clear_error(servo, marker, tmp_path):
    ran = tmp_path / "ran"

    code, final = run_magg(servo, marker, ["--info", "app1"], preexec_fn=limit_fds(256, 256),
                           env={"SCALE_LOG": str(ran)})

    assert code != 0 and final["status"] == "failed", final
    message = final["message"]
    assert "1000 drivers" in message, message
    assert "file descriptors" in message and "256" in message, message
    needed = [int(word) for word in message.split() if word.isdigit() and int(word) > 1000]
    assert needed, "the number of descriptors needed is missing: %s" % message
    assert not ran.exists(), "drivers were started before the limit was checked"
