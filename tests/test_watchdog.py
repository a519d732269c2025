"""magg killed with SIGKILL: every driver still gets the agent's cancel.

The servo pairing of issue 16: exec hooks (has_cancel: true, a load task in
a session of its own that only its SIGUSR1 handler stops) beside a load
driver that says has_cancel: false. When the agent answers a cancel with
SIGKILL to magg, the watchdog sends SIGUSR1 to the first and SIGKILL to the
group of the second, as the agent would to each run alone.

The test process makes itself the child subreaper (Linux prctl), so what
magg leaves when it dies is re-parented here: the tests read how each
process ended, and they reap nothing before the watchdog is gone, the way
a slow init does (a driver that exited stays a zombie meanwhile).

The second half runs the watchdog on its own, on process groups the test
starts: what it is told, odd grace periods, a `sleep` without fractions.
"""

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.spawn import Spawner
from app.watchdog import NAME, Watchdog, centiseconds
from fakedriver import write_script
from processes import (MARKER_VAR, alive, children_of, describe_process, kill_marked,
                       marked_pids, wait_until)

NOW = {"control": {"duration": 0}}
PR_SET_CHILD_SUBREAPER = 36
# Bound on any wait for something that should happen at once.
PROMPT = 10
# How late after its due time the machine may let a kill (or its sighting) come.
LATE = 0.5

# An exec-hooks driver: its load task runs in a session of its own, as
# servo-exec starts it with setsid, and a helper stays in its group. SIGUSR1
# stops the load and ends the driver, unless P["obey"] is false.
EXEC = r'''
load = subprocess.Popen(["sleep", "1000"], start_new_session=True)
helper = subprocess.Popen(["sleep", "1000"])

def on_usr1(signum, frame):
    note(P["events"], "SIGUSR1 %f" % time.time())
    if P["obey"]:
        load.kill()
        load.wait()
        note(P["events"], "load-stopped %f" % time.time())
        try:
            out(json.dumps({"status": "failed", "reason": "canceled", "message": "stop"}) + "\n")
        except OSError:
            pass            # magg is gone: nobody reads this
        os._exit(3)

def on_other(signum, frame):
    note(P["events"], "%s %f" % (signal.Signals(signum).name, time.time()))

signal.signal(signal.SIGUSR1, on_usr1)
for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(signum, on_other)
with open(P["pids"] + ".tmp", "w") as f:
    json.dump({"driver": os.getpid(), "load": load.pid, "helper": helper.pid}, f)
os.rename(P["pids"] + ".tmp", P["pids"])
out(json.dumps({"progress": 5, "message": "hooks running"}) + "\n")
while True:
    time.sleep(1000)
'''

# A load driver around a binary, like hey: has_cancel false, the binary in its
# group. Every signal it can catch is noted and ignored: only SIGKILL ends it.
HEY = r'''
binary = subprocess.Popen(["sleep", "1000"])

def on_signal(signum, frame):
    note(P["events"], "%s %f" % (signal.Signals(signum).name, time.time()))

for signum in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(signum, on_signal)
with open(P["pids"] + ".tmp", "w") as f:
    json.dump({"driver": os.getpid(), "binary": binary.pid}, f)
os.rename(P["pids"] + ".tmp", P["pids"])
out(json.dumps({"progress": 5, "message": "attacking"}) + "\n")
while True:
    time.sleep(1000)
'''


class Reaper(object):
    """The test process as child subreaper, for one test; reaps only when asked."""

    def __init__(self):
        self.libc = ctypes.CDLL(None, use_errno=True)
        if self.libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            pytest.skip("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno())
        self.codes = {}

    def reap(self):
        """{pid: returncode (negative: killed by that signal)} of every ended child."""
        for pid in children_of(os.getpid()):
            if pid in self.codes or alive(pid):
                continue
            try:
                got, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                continue
            if got:
                self.codes[pid] = (-os.WTERMSIG(status) if os.WIFSIGNALED(status)
                                   else os.WEXITSTATUS(status))
        return self.codes

    def close(self):
        self.reap()
        self.libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


@pytest.fixture
def reaper(marker):
    r = Reaper()
    yield r
    kill_marked(marker)
    wait_until(lambda: not marked_pids(marker), PROMPT)
    r.close()


def died_at(pid, timeout=PROMPT):
    """When pid was first seen ended (a zombie counts), by polling; None if not."""
    if wait_until(lambda: not alive(pid), timeout, step=0.005):
        return time.time()
    return None


def events(path):
    """[(event, time)] a fake driver noted."""
    if not path.exists():
        return []
    return [(line.split()[0], float(line.split()[1]))
            for line in path.read_text().splitlines()]


class Pairing(object):
    """exec and hey in measure.d, measuring under magg; magg's watchdog found."""

    def __init__(self, tmp_path, servo, magg, grace, obey):
        (servo / "config.yaml").write_text("magg:\n  cleanup_grace_period: %s\n" % grace)
        self.exec_events, self.hey_events = tmp_path / "exec.events", tmp_path / "hey.events"
        exec_pids, hey_pids = tmp_path / "exec.pids", tmp_path / "hey.pids"
        write_script(servo / "measure.d", "exec", py=EXEC, has_cancel=True, obey=obey,
                     events=str(self.exec_events), pids=str(exec_pids))
        write_script(servo / "measure.d", "hey", py=HEY, has_cancel=False,
                     events=str(self.hey_events), pids=str(hey_pids))
        self.m = magg.start_measure(servo, NOW)
        assert wait_until(lambda: exec_pids.exists() and hey_pids.exists(), PROMPT)
        self.exec = json.loads(exec_pids.read_text())
        self.hey = json.loads(hey_pids.read_text())
        (self.watchdog,) = [p for p in children_of(self.m.pid)
                            if NAME in describe_process(p)]

    def sigkill_magg(self):
        """SIGKILL to magg, as the agent answers a cancel; (the Run, EOF seconds after)."""
        self.m.send_signal(signal.SIGKILL)
        self.killed = time.time()
        run = self.m.finish()
        return run, time.time() - self.killed


# -- magg SIGKILLed: the agent's cancel, driver by driver ----------------------------

def test_after_sigkill_to_magg_exec_gets_sigusr1_and_stops_its_setsid_load(
        tmp_path, servo, magg, marker, reaper):
    pair = Pairing(tmp_path, servo, magg, grace=30, obey=True)

    run, _ = pair.sigkill_magg()
    gone = wait_until(lambda: not marked_pids(marker), PROMPT)
    took = time.time() - pair.killed
    codes = reaper.reap()      # nothing was reaped before: every exit stayed a zombie

    print("SIGKILL to magg: every process of the run gone after %.3f s" % took)
    assert run.returncode == -signal.SIGKILL
    assert gone, [(p, describe_process(p)) for p in marked_pids(marker)]
    assert took < 5, "the watchdog waited for cleanup_grace_period (30 s)"
    assert [e for e, _ in events(pair.exec_events)] == ["SIGUSR1", "load-stopped"]
    assert codes[pair.exec["driver"]] == 3, "exec exited from its own handler, not SIGKILL"
    assert not alive(pair.exec["load"])
    assert codes[pair.exec["helper"]] == -signal.SIGKILL, "what exec left in its group"
    assert events(pair.hey_events) == [], "hey gets no signal it can catch"
    assert codes[pair.hey["driver"]] == -signal.SIGKILL
    assert codes[pair.hey["binary"]] == -signal.SIGKILL
    assert codes[pair.watchdog] == 0


def test_after_sigkill_to_magg_a_driver_ignoring_sigusr1_is_killed_after_the_grace(
        tmp_path, servo, magg, marker, reaper):
    pair = Pairing(tmp_path, servo, magg, grace=1, obey=False)

    pair.sigkill_magg()
    hey_died = died_at(pair.hey["driver"])
    exec_died = died_at(pair.exec["driver"])
    helper_died = died_at(pair.exec["helper"])
    watchdog_ended = died_at(pair.watchdog)
    codes = reaper.reap()

    ((signum, usr1_at),) = events(pair.exec_events)
    print("exec ignores SIGUSR1: killed %.3f s after it (cleanup_grace_period 1); "
          "hey killed %.3f s after magg" % (exec_died - usr1_at, hey_died - pair.killed))
    assert signum == "SIGUSR1"
    assert hey_died - pair.killed < LATE, "hey's group is killed at once"
    assert 0.95 <= exec_died - usr1_at < 1 + LATE
    assert 0.95 <= helper_died - usr1_at < 1 + LATE
    assert watchdog_ended - exec_died < LATE
    assert codes[pair.exec["driver"]] == codes[pair.exec["helper"]] == -signal.SIGKILL
    assert codes[pair.hey["driver"]] == codes[pair.hey["binary"]] == -signal.SIGKILL
    assert codes[pair.watchdog] == 0


def test_the_agent_sees_eof_and_magg_exit_at_once_while_the_watchdog_waits_out_the_grace(
        tmp_path, servo, magg, marker, reaper):
    pair = Pairing(tmp_path, servo, magg, grace=30, obey=False)
    agent_pipes = {os.fstat(f.fileno()).st_ino for f in (pair.m.proc.stdout, pair.m.proc.stderr)}
    held = {fd: os.readlink("/proc/%d/fd/%s" % (pair.watchdog, fd))
            for fd in os.listdir("/proc/%d/fd" % pair.watchdog)}

    run, eof_after = pair.sigkill_magg()

    print("SIGKILL to magg: the agent had EOF and the exit status after %.3f s" % eof_after)
    assert sorted(held) == ["0", "1", "2"], held
    assert held["1"] == held["2"] == os.devnull
    assert held["0"].startswith("pipe:") and int(held["0"][6:-1]) not in agent_pipes
    assert run.returncode == -signal.SIGKILL
    assert eof_after < LATE
    assert died_at(pair.hey["driver"]) is not None
    # exec ignored SIGUSR1 and has 30 s; the watchdog is still waiting for it.
    assert alive(pair.exec["driver"]) and alive(pair.watchdog)


# -- the watchdog on its own ------------------------------------------------------------

# A process group of its own: notes SIGUSR1 in argv[1] and exits 3 on it if
# argv[2] is "obey"; "ready" once the handler is in place.
GROUP = r'''
import os, signal, sys, time
path, obey = sys.argv[1], sys.argv[2] == "obey"
def on_usr1(signum, frame):
    with open(path, "a") as f:
        f.write("SIGUSR1 %f\n" % time.time())
    if obey:
        os._exit(3)
signal.signal(signal.SIGUSR1, on_usr1)
with open(path, "a") as f:
    f.write("ready %f\n" % time.time())
while True:
    time.sleep(1000)
'''

# POSIX's sleep: whole seconds only.
WHOLE_SECONDS_SLEEP = """#!/bin/sh
case $1 in ''|*[!0-9]*) echo "sleep: invalid time interval '$1'" >&2; exit 1 ;; esac
exec %s "$1"
""" % subprocess.check_output(["sh", "-c", "command -v sleep"]).decode().strip()


class Alone(object):
    """Process groups and watchdogs a test starts itself, all carrying its marker."""

    def __init__(self, tmp_path, marker):
        self.tmp_path = tmp_path
        self.env = dict(os.environ, **{MARKER_VAR: marker})
        self.dogs = []

    def group(self, name, obey):
        """(Popen, its events file) once it is ready for SIGUSR1."""
        path = self.tmp_path / name
        proc = subprocess.Popen([sys.executable, "-c", GROUP, str(path),
                                 "obey" if obey else "no"],
                                env=self.env, start_new_session=True)
        assert wait_until(lambda: events(path), PROMPT)
        return proc, path

    def watchdog(self, grace, groups, sleep=True):
        """A watchdog told about groups [(Popen, has_cancel)]; sleep: True for the
        system's `sleep`, else the text of the only `sleep` on its PATH (None: none)."""
        spawner = Spawner()
        spawner.environment = {os.fsencode(k): os.fsencode(v) for k, v in self.env.items()}
        if sleep is not True:
            if not spawner.posix_spawn:
                pytest.skip("the watchdog's PATH can be set only with posix_spawn")
            bin_dir = self.tmp_path / "bin"
            bin_dir.mkdir()
            if sleep is not None:
                (bin_dir / "sleep").write_text(sleep)
                (bin_dir / "sleep").chmod(0o755)
            spawner.environment[b"PATH"] = str(bin_dir).encode()
        dog = Watchdog(spawner, grace)
        self.dogs.append(dog)
        for proc, has_cancel in groups:
            dog.add(proc.pid, has_cancel)
        return dog

    def close(self):
        for dog in self.dogs:
            dog.close()
            ended(dog, 1.0)


@pytest.fixture
def alone(tmp_path, marker):
    a = Alone(tmp_path, marker)
    yield a
    kill_marked(marker)
    a.close()


def ended(dog, timeout=PROMPT):
    """True once the watchdog has exited (it is reaped here)."""
    def gone():
        try:
            return os.waitpid(dog.pid, os.WNOHANG)[0] == dog.pid
        except ChildProcessError:
            return True
    return wait_until(gone, timeout, step=0.005)


def signalled_after(proc, path):
    """Seconds from the SIGUSR1 a group noted to its death (proc.wait returning)."""
    proc.wait(PROMPT)
    return time.time() - [t for e, t in events(path) if e == "SIGUSR1"][0]


def test_the_grace_is_whole_centiseconds_rounded_up():
    assert [centiseconds(s) for s in (0, 0.3, 1, 1.001, 300, 1e12)] == \
        [0, 30, 100, 101, 30000, 10 ** 14]


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(st.floats(min_value=0, max_value=1e12))
def test_the_grace_in_centiseconds_is_never_early_and_less_than_one_late(seconds):
    exact = Fraction(seconds) * 100
    assert exact - Fraction(1, 100) <= centiseconds(seconds) < exact + 1


def test_end_leaves_every_group_alone(alone):
    proc, path = alone.group("a", obey=True)
    dog = alone.watchdog(0, [(proc, True)])
    dog.close(normal=True)
    assert ended(dog)
    assert proc.poll() is None and [e for e, _ in events(path)] == ["ready"]


def test_on_eof_only_groups_not_forgotten_are_cancelled(alone):
    """1000 groups told, as in a big round: messages cost O(1) each."""
    kept, _ = alone.group("kept", obey=True)
    forgotten, forgotten_path = alone.group("forgotten", obey=True)
    again, _ = alone.group("again", obey=True)
    dog = alone.watchdog(30, [])
    # Groups that are gone (above pid_max): what magg says of drivers it reaped.
    for pid in range(4200000, 4201000):
        dog.add(pid, pid % 2 == 0)
        dog.forget(pid)
    dog.add(kept.pid, True)
    dog.add(forgotten.pid, True)
    dog.forget(forgotten.pid)
    dog.add(again.pid, False)
    dog.forget(again.pid)
    dog.add(again.pid, True)    # a pid reused by a later driver
    start = time.monotonic()
    dog.close(normal=False)

    assert kept.wait(PROMPT) == 3 and again.wait(PROMPT) == 3
    assert ended(dog)
    print("1000 add/del pairs, EOF: cancelled groups gone, watchdog exited after %.3f s"
          % (time.monotonic() - start))
    assert forgotten.poll() is None and [e for e, _ in events(forgotten_path)] == ["ready"]


def test_a_group_without_cancel_is_killed_at_once_and_never_sees_sigusr1(alone):
    proc, path = alone.group("hey", obey=True)
    dog = alone.watchdog(30, [(proc, False)])
    dog.close(normal=False)
    assert proc.wait(PROMPT) == -signal.SIGKILL
    assert [e for e, _ in events(path)] == ["ready"]
    assert ended(dog, LATE)


@pytest.mark.parametrize("grace", [0.3, 1.25])
def test_a_fractional_grace_is_kept_to_the_centisecond(alone, grace):
    proc, path = alone.group("stubborn", obey=False)
    dog = alone.watchdog(grace, [(proc, True)])
    dog.close(normal=False)
    waited = signalled_after(proc, path)
    print("grace %s s: SIGKILL %.3f s after SIGUSR1" % (grace, waited))
    assert proc.returncode == -signal.SIGKILL
    assert grace - 0.02 <= waited < grace + LATE
    assert ended(dog, LATE)


def test_a_grace_of_0_kills_right_after_sigusr1(alone):
    proc, _ = alone.group("stubborn", obey=False)
    dog = alone.watchdog(0, [(proc, True)])
    dog.close(normal=False)
    assert proc.wait(PROMPT) == -signal.SIGKILL
    assert ended(dog, LATE)


def test_a_grace_of_1e12_seconds_waits_and_ends_when_the_group_does(alone):
    proc, path = alone.group("stubborn", obey=False)
    dog = alone.watchdog(1e12, [(proc, True)])
    dog.close(normal=False)
    assert wait_until(lambda: len(events(path)) == 2, PROMPT)
    # no arithmetic overflow: it neither kills nor gives up early
    assert not ended(dog, 1.0) and proc.poll() is None
    proc.kill()
    proc.wait()
    assert ended(dog, 1.0)


def test_a_sleep_without_fractions_naps_whole_seconds(alone):
    obeys, _ = alone.group("obeys", obey=True)
    stubborn, path = alone.group("stubborn", obey=False)
    dog = alone.watchdog(1.5, [(obeys, True), (stubborn, True)], sleep=WHOLE_SECONDS_SLEEP)
    dog.close(normal=False)
    assert obeys.wait(PROMPT) == 3
    waited = signalled_after(stubborn, path)
    print("whole-second sleep, grace 1.5 s: SIGKILL %.3f s after SIGUSR1" % waited)
    assert stubborn.returncode == -signal.SIGKILL
    assert 1.5 <= waited < 2 + LATE     # never early, at most one nap late
    assert ended(dog, LATE)


def test_without_any_sleep_what_is_left_is_killed_at_once(alone):
    proc, _ = alone.group("stubborn", obey=False)
    dog = alone.watchdog(30, [(proc, True)], sleep=None)
    dog.close(normal=False)
    assert proc.wait(PROMPT) == -signal.SIGKILL
    assert ended(dog, LATE)
