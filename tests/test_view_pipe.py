"""On a pipe, which is how the servo agent runs magg, the view changes nothing.

The same deterministic measurement is run with the view's code there and
with it made unimportable: stdout and stderr must be the same bytes. A
second check runs magg and lists what it loaded: neither the view, nor its
edge, nor even the module that decides on it. MAGG_TEST_BASELINE=/path/to/an/older/checkout compares with that
tree's magg too (a one-off check against the commit before the view).
"""

import os
import subprocess
import sys

import pytest

import aggregator
from fakedriver import write_script

APP = "app1"
VIEW_MODULES = ("app.view", "app.viewer", "app.snapshot", "app.terminal")
BASELINE = os.environ.get("MAGG_TEST_BASELINE")
INJECTED = pytest.mark.skipif(not aggregator.INJECTS, reason="the artifact runs its own app")
POISON = "for name in %r:\n    sys.modules[name] = None\n" % (VIEW_MODULES,)
LOADED = """
import atexit
def dump():
    with open(%r, "w") as handle:
        handle.write(" ".join(sorted(m for m in sys.modules if m.startswith(%r))))
atexit.register(dump)
"""


@pytest.fixture
def deterministic(servo):
    """One driver: stderr with escapes, a progress line, a time series; the request
    names a metric nobody describes (a warning). Nothing depends on timing."""
    write_script(servo / "measure.d", "prom", has_cancel=True,
                 metrics={"cpu": {"unit": "cores"}}, py=r'''
        err("querying \x1b[1mcpu\x1b[0m\n" * 3 + "bell \x07 done\n")
        out(json.dumps({"progress": 50, "message": "half \x1b[2J"}) + "\n")
        out(json.dumps({"status": "ok", "metrics": {"cpu": {"values": [
            {"id": "pod-0", "data": [[1, 0.5], [2, 0.75]]}]}}}) + "\n")
        ''')
    (servo / "request.json").write_text('{"metrics": ["cpu", "mem\\u001b[2J"]}')
    return servo


def on_a_pipe(cmd, servo, env):
    with (servo / "request.json").open("rb") as stdin:
        done = subprocess.run(cmd, cwd=str(servo), env=env, stdin=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=aggregator.SAFETY)
    assert done.returncode == 0, done
    return done.stdout, done.stderr


@INJECTED
def test_the_bytes_on_a_pipe_are_those_of_magg_without_the_view(deterministic, magg):
    env = magg.env(TERM="xterm-256color")
    with_view = on_a_pipe(magg.cmd + [APP], deterministic, env)
    without = on_a_pipe(magg.cmd_after(POISON) + [APP], deterministic, env)
    assert with_view == without
    assert with_view[0].count(b"\n") == 2 and b"\x1b[2J" in with_view[1]   # raw, as always


def test_a_measurement_on_a_pipe_loads_neither_the_view_nor_its_edge(deterministic, magg,
                                                                      tmp_path):
    record = tmp_path / "loaded"
    on_a_pipe(magg.cmd_after(LOADED % (str(record), VIEW_MODULES)) + [APP], deterministic,
              magg.env(TERM="xterm-256color"))
    assert record.read_text() == ""


@pytest.mark.skipif(not BASELINE, reason="MAGG_TEST_BASELINE names no older checkout")
def test_the_bytes_on_a_pipe_are_those_of_the_baseline(deterministic, magg):
    env = magg.env(TERM="xterm-256color")
    old = dict(env, PYTHONPATH=BASELINE)
    assert on_a_pipe(magg.cmd + [APP], deterministic, env) == \
        on_a_pipe([sys.executable, "-m", "app", APP], deterministic, old)
