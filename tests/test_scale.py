"""Scale: 1000 drivers in measure.d, also under a low fd limit."""

import json
import resource
import subprocess

import pytest

from fakedriver import make_servo, write_script
from processes import leftovers_after

DRIVERS = 1000
SAFETY = 120


def metric(i):
    return "m%04d" % i


@pytest.fixture(scope="module")
def servo1000(tmp_path_factory):
    """1000 tiny drivers owning one metric each; each run noted in $SCALE_LOG if set."""
    root = make_servo(tmp_path_factory.mktemp("servo1000"))
    for i in range(DRIVERS):
        name = "d%04d" % i
        write_script(root / "measure.d", name, has_cancel=True,
                     metrics={metric(i): {"unit": "n"}},
                     prelude='[ -n "$SCALE_LOG" ] && echo "%s $1" >> "$SCALE_LOG"' % name,
                     sh="""echo '{"status": "ok", "metrics": {"%s": {"value": %d}}}'"""
                        % (metric(i), i))
    return root


def limit_fds(soft, hard=None):
    """A preexec_fn: lower RLIMIT_NOFILE for magg only (hard None: keep it)."""
    def lower():
        current_hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (soft, current_hard if hard is None else hard))
    return lower


def run_magg(magg, servo, args, request=None, **kw):
    """(exit code, final line as a dict) of one magg call."""
    env = magg.env(**kw.pop("env", {}))
    proc = subprocess.run(magg.cmd + args, cwd=str(servo), env=env, timeout=SAFETY,
                          input=json.dumps(request).encode() if request else b"",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    lines = proc.stdout.decode().splitlines()
    assert lines, proc.stderr.decode()[-2000:]
    return proc.returncode, json.loads(lines[-1])


def every_metric():
    return [metric(i) for i in range(DRIVERS)]


def test_1000_drivers_answer_info(servo1000, magg):
    code, final = run_magg(magg, servo1000, ["--info", "app1"])

    assert code == 0, final
    assert final["has_cancel"] is True
    assert len(final["drivers"]) == DRIVERS


def test_1000_drivers_answer_describe(servo1000, magg):
    code, final = run_magg(magg, servo1000, ["--describe", "app1"])

    assert code == 0, final
    assert final["metrics"] == {metric(i): {"unit": "n"} for i in range(DRIVERS)}


def test_1000_drivers_measure(servo1000, magg, marker):
    code, final = run_magg(magg, servo1000, ["app1"],
                           {"metrics": every_metric(), "control": {"duration": 0}})

    assert code == 0, final
    assert final["metrics"] == {metric(i): {"value": i} for i in range(DRIVERS)}
    assert leftovers_after(marker, 1.0) == []


def test_1000_drivers_measure_with_the_soft_fd_limit_lowered_to_256(servo1000, magg):
    code, final = run_magg(magg, servo1000, ["app1"],
                           {"metrics": every_metric(), "control": {"duration": 0}},
                           preexec_fn=limit_fds(256))

    assert code == 0, final
    assert final["metrics"] == {metric(i): {"value": i} for i in range(DRIVERS)}


def test_1000_drivers_under_a_hard_fd_limit_of_256_is_a_clear_error(servo1000, magg,
                                                                     tmp_path):
    ran = tmp_path / "ran"

    code, final = run_magg(magg, servo1000, ["--info", "app1"], preexec_fn=limit_fds(256, 256),
                           env={"SCALE_LOG": str(ran)})

    assert code != 0 and final["status"] == "failed", final
    message = final["message"]
    assert "1000 drivers" in message, message
    assert "file descriptors" in message and "256" in message, message
    needed = [int(word) for word in message.split() if word.isdigit() and int(word) > 1000]
    assert needed, "the number of descriptors needed is missing: %s" % message
    assert not ran.exists(), "drivers were started before the limit was checked"
