"""The artifact's start-up, with real processes: a first run killed while it
unpacks, many first runs at once, a first run that cannot finish in time, a
PYTHONPATH holding a foreign `app` and a broken `yaml`, an unusable
SHIV_ROOT, a closed or broken stderr, and a damaged artifact.

Each test runs a private copy of dist/measure.pyz from a fresh servo
directory with its own HOME and SHIV_ROOT. Processes a test starts carry
the `marker` fixture's token in their environment, so the ones left
running are found in /proc (processes.py).
"""

import json
import os
import re
import signal
import subprocess
import time
import zipfile

import pytest

from interpreters import VERSIONS, interpreter
from processes import MARKER_VAR, leftovers_after
from test_artifact import (  # noqa: F401 (artifact and public_tmp are fixtures)
    DRIVER, ENV_DRIVER, NOBODY, SHELL_ADDED, artifact, base_env, become_nobody,
    make_servo, nobody_interpreters, public_tmp, python_on_path,
)

INFO_DRIVERS = {"d1": {"has_cancel": True, "version": "1.0"}}
ENVREC_DRIVERS = {"d1": {"has_cancel": True, "version": "1.0"}, "envrec": INFO_DRIVERS["d1"]}
# Long enough for a loaded machine; a run blocked on a lock never ends.
PROMPT = 30
# How long what a killed run leaves may take to go: a kill that lands after
# the unpack finds magg's watchdog, which ends the drivers and then itself.
SETTLE = 5
OLDEST_AND_NEWEST = [VERSIONS[0], VERSIONS[-1]]
AS_ROOT = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to uid 65534")
CONCURRENT_RUNS = 8
# When each kill lands: once the first file of the bundle is written
# (extracting), once the first .pyc is (compiling), then later and later.
KILL_POINTS = [(".py", 0), (".pyc", 0), (".pyc", 0.02), (".pyc", 0.05),
               (".pyc", 0.1), (".pyc", 0.2)]

FOREIGN_APP = 'raise ImportError("a foreign package named app")\n'
BROKEN_YAML = "def broken(:\n"
FOREIGN_YAML = 'def safe_load(*args, **kwargs):\n    raise RuntimeError("a foreign yaml")\n'
# A sitecustomize.py on PYTHONPATH runs before magg: the foreign yaml is preloaded.
PRELOAD_YAML = "import yaml\n"


# ---------------------------------------------------------------- helpers


def servo_env(tmp_path, artifact, python, drivers=None):
    """A servo directory and an environment whose python3 is `python`."""
    servo = make_servo(tmp_path, artifact, drivers or {"d1": DRIVER})
    env = base_env(tmp_path / "home", python_on_path(tmp_path, python))
    return servo, env


def answer(servo, env, stderr=subprocess.PIPE, preexec_fn=None, args=("--info", "APP")):
    """Run ./measure; (exit code, its final JSON line, stderr). Every stdout line is JSON."""
    proc = subprocess.run(
        ["./measure"] + list(args), cwd=str(servo), env=env, stdout=subprocess.PIPE,
        stderr=stderr, universal_newlines=True, timeout=PROMPT, preexec_fn=preexec_fn,
    )
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, (proc.returncode, proc.stderr)
    for line in lines:
        json.loads(line)
    return proc.returncode, json.loads(lines[-1]), proc.stderr or ""


def assert_info_ok(code, final, drivers=INFO_DRIVERS):
    assert (code, final["status"]) == (0, "ok"), final
    assert final["drivers"] == drivers


def start(servo, env):
    return subprocess.Popen(["./measure", "--info", "APP"], cwd=str(servo), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            universal_newlines=True)


def reap(proc):
    """Wait for proc only: what it left running may hold its pipes open forever."""
    proc.wait(timeout=PROMPT)
    proc.stdout.close()
    proc.stderr.close()


def appeared(root, suffix):
    """True once a file ending in suffix exists anywhere under root."""
    for _, _, files in os.walk(str(root)):  # os.walk ignores dirs vanishing under it
        if any(name.endswith(suffix) for name in files):
            return True
    return False


def await_file(proc, root, suffix):
    """Wait until a file ending in suffix appears under root; False if proc ended first."""
    while not appeared(root, suffix):
        if proc.poll() is not None:
            return False
        time.sleep(0.001)
    return True


def first_run_caught_unpacking(tmp_path, artifact):
    """A first run into a fresh SHIV_ROOT, once it has written its first file there."""
    servo, env = servo_env(tmp_path, artifact, interpreter(VERSIONS[-1]))
    root = tmp_path / "root"
    env["SHIV_ROOT"] = str(root)
    proc = start(servo, env)
    assert await_file(proc, root, ".py"), "the run ended before it unpacked anything"
    return servo, env, root, proc


def bundles(root):
    return sorted(p.name for p in root.iterdir() if p.name.startswith("measure_"))


def leftovers(root):
    """Whatever else the root holds: partial bundles, locks."""
    return sorted(p.name for p in root.iterdir() if not p.name.startswith("measure_"))


def constant(artifact, name):
    """A number named at the top of one of the artifact's own modules."""
    with zipfile.ZipFile(str(artifact)) as archive:
        own = [n for n in archive.namelist() if n.endswith(".py") and "/" not in n]
        text = "\n".join(archive.read(n).decode("utf-8") for n in own)
    return float(re.search(r"^%s = ([0-9.]+)" % name, text, re.M).group(1))


def recorded_env(record):
    seen = dict(line.split("=", 1) for line in record.read_text().splitlines() if "=" in line)
    for name in SHELL_ADDED:
        seen.pop(name, None)
    return seen


def close_stderr():
    os.close(2)


def readable_by_all(servo):
    """a+rX over the servo directory, whatever the umask, for uid 65534."""
    for path in [servo] + list(servo.rglob("*")):
        path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))


def nobody_servo(base, artifact):
    """A servo dir uid 65534 can read, and a bin dir whose python3 it can run."""
    pythons = nobody_interpreters()
    if not pythons:
        pytest.skip("no interpreter that uid 65534 can run")
    servo = make_servo(base, artifact, {"d1": DRIVER})
    readable_by_all(servo)
    bindir = base / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(pythons[0])
    bindir.chmod(0o755)
    return servo, str(bindir)


def damaged_copy(artifact, dest, replace):
    """The artifact rewritten with replace[name] as entry `name` (None drops it)."""
    with zipfile.ZipFile(str(artifact)) as old:
        entries = [(info.filename, old.read(info)) for info in old.infolist()]
    with open(str(dest), "wb") as out:
        out.write(b"#!/usr/bin/env python3\n")
        with zipfile.ZipFile(out, "w") as new:
            for name, data in entries:
                for prefix, text in replace.items():
                    if name.startswith(prefix):
                        data = text
                if data is not None:
                    new.writestr(name, data)
    dest.chmod(0o755)


# ---------------------------------------------------------------- first runs


@pytest.mark.parametrize("version", OLDEST_AND_NEWEST)
def test_a_first_run_killed_while_unpacking_blocks_no_later_run(
        version, artifact, tmp_path, marker):
    servo, env = servo_env(tmp_path, artifact, interpreter(version))
    env[MARKER_VAR] = marker
    killed = []
    for i, (suffix, delay) in enumerate(KILL_POINTS):
        root = tmp_path / ("root-%d" % i)
        env["SHIV_ROOT"] = str(root)
        proc = start(servo, env)
        if await_file(proc, root, suffix):
            time.sleep(delay)  # steps the kill across the unpack, on purpose
            if proc.poll() is None:
                proc.kill()
                killed.append((suffix, delay))
        reap(proc)
        assert leftovers_after(marker, SETTLE) == [], "the killed run left these running"
        assert_info_ok(*answer(servo, env)[:2])
        assert len(bundles(root)) == 1
        assert leftovers_after(marker, 0) == []
    assert (".pyc", 0) in killed, "no kill landed while compiling: {}".format(killed)


def test_a_later_unpack_removes_what_killed_runs_left_once_surely_abandoned(artifact, tmp_path):
    servo, env, root, proc = first_run_caught_unpacking(tmp_path, artifact)
    proc.kill()
    reap(proc)
    left = leftovers(root)
    assert left and not bundles(root)
    assert_info_ok(*answer(servo, env)[:2])
    assert leftovers(root) == left, "a partial bundle as young as a live run's was removed"
    long_ago = time.time() - constant(artifact, "STALE_SECONDS") - 60
    for name in left:
        os.utime(str(root / name), (long_ago, long_ago))
    env["SHIV_FORCE_EXTRACT"] = "1"  # a run that unpacks again, and so sweeps
    assert_info_ok(*answer(servo, env)[:2])
    assert leftovers(root) == [] and len(bundles(root)) == 1


@pytest.mark.parametrize("version", OLDEST_AND_NEWEST)
def test_concurrent_first_runs_all_answer_and_leave_one_bundle(
        version, artifact, tmp_path, marker):
    servo, env = servo_env(tmp_path, artifact, interpreter(version))
    root = tmp_path / "root"
    env.update({"SHIV_ROOT": str(root), MARKER_VAR: marker})
    procs = [start(servo, env) for _ in range(CONCURRENT_RUNS)]
    for proc in procs:
        out, err = proc.communicate(timeout=PROMPT)
        assert_info_ok(proc.returncode, json.loads(out.splitlines()[-1]))
        assert "Traceback" not in err
    assert len(bundles(root)) == 1
    assert leftovers(root) == []
    assert leftovers_after(marker, 0) == []


def test_a_first_run_that_cannot_finish_in_time_runs_from_the_zip_and_says_so(artifact, tmp_path):
    servo, env, root, proc = first_run_caught_unpacking(tmp_path, artifact)
    os.kill(proc.pid, signal.SIGSTOP)  # a stalled disk: the clock runs, the unpack does not
    time.sleep(constant(artifact, "UNPACK_SECONDS") + 0.5)
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=PROMPT)
    assert_info_ok(proc.returncode, json.loads(out.splitlines()[-1]))
    assert "running from the zip" in err
    assert bundles(root) == [] and leftovers(root) == []
    code, final, err = answer(servo, env)
    assert_info_ok(code, final)
    assert err == "" and len(bundles(root)) == 1


def test_sigint_while_unpacking_ends_with_a_cancelled_line_and_no_partial_bundle(
        artifact, tmp_path):
    servo, env, root, proc = first_run_caught_unpacking(tmp_path, artifact)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=PROMPT)
    final = json.loads(out.splitlines()[-1])
    assert (proc.returncode, final["status"], final["reason"]) == (3, "failed", "cancelled")
    assert leftovers(root) == [] and bundles(root) == []


# ---------------------------------------------------------------- PYTHONPATH


def plant(directory, yaml_text):
    """A foreign `app` package and a `yaml` package with yaml_text in directory."""
    for package, text in (("app", FOREIGN_APP), ("yaml", yaml_text)):
        (directory / package).mkdir()
        (directory / package / "__init__.py").write_text(text)


@pytest.mark.parametrize("case", ["broken yaml", "preloaded foreign yaml", "PYTHONPATH=."])
@pytest.mark.parametrize("version", VERSIONS)
def test_pythonpath_cannot_replace_magg_or_its_yaml(case, version, artifact, tmp_path):
    servo, env = servo_env(tmp_path, artifact, interpreter(version),
                           {"d1": DRIVER, "envrec": ENV_DRIVER})
    assert "magg:" in (servo / "config.yaml").read_text()  # so YAML is really parsed
    if case == "PYTHONPATH=.":
        plant(servo, BROKEN_YAML)
        env["PYTHONPATH"] = "."
    else:
        foreign = tmp_path / "foreign"
        foreign.mkdir()
        plant(foreign, FOREIGN_YAML if case.startswith("preloaded") else BROKEN_YAML)
        if case.startswith("preloaded"):
            (foreign / "sitecustomize.py").write_text(PRELOAD_YAML)
        env["PYTHONPATH"] = str(foreign)
    record = tmp_path / "env.txt"
    env["ENVREC"] = str(record)
    for _ in ("first run, unpacks", "warm run"):
        assert_info_ok(*answer(servo, env)[:2], drivers=ENVREC_DRIVERS)
        assert recorded_env(record) == env


@AS_ROOT
def test_pythonpath_cannot_replace_magg_when_it_runs_from_the_zip(artifact, public_tmp):
    """uid 65534, no HOME, a planted temp dir: nowhere to unpack."""
    servo, bindir = nobody_servo(public_tmp, artifact)
    plant(servo, BROKEN_YAML)
    readable_by_all(servo)
    tmpdir = public_tmp / "tmp"
    (tmpdir / "magg-{}".format(NOBODY)).mkdir(mode=0o777, parents=True)
    (tmpdir / "magg-{}".format(NOBODY)).chmod(0o777)
    tmpdir.chmod(0o1777)
    env = base_env(public_tmp / "missing-home", bindir)
    env.update({"TMPDIR": str(tmpdir), "PYTHONPATH": "."})
    code, final, err = answer(servo, env, preexec_fn=become_nobody)
    assert_info_ok(code, final)
    assert "running from the zip" in err


# ---------------------------------------------------------------- SHIV_ROOT


@pytest.mark.parametrize("kind", ["a regular file", "a path under a regular file"])
def test_an_unusable_shiv_root_falls_back_to_home_and_says_so(kind, artifact, tmp_path):
    servo, env = servo_env(tmp_path, artifact, interpreter(VERSIONS[-1]))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    shiv_root = blocker if kind == "a regular file" else blocker / "shiv"
    env["SHIV_ROOT"] = str(shiv_root)
    for _ in ("first run, unpacks", "warm run"):
        code, final, err = answer(servo, env)
        assert_info_ok(code, final)
        assert str(shiv_root) in err
    assert len(bundles(tmp_path / "home" / ".shiv")) == 1
    assert blocker.read_text() == "not a directory"


@AS_ROOT
def test_an_unwritable_shiv_root_falls_back_to_home_and_says_so(artifact, public_tmp):
    servo, bindir = nobody_servo(public_tmp, artifact)
    shiv_root = public_tmp / "roots-only"
    shiv_root.mkdir(mode=0o755)
    home = public_tmp / "home"
    home.mkdir()
    os.chown(str(home), NOBODY, NOBODY)
    env = base_env(home, bindir)
    env["SHIV_ROOT"] = str(shiv_root)
    code, final, err = answer(servo, env, preexec_fn=become_nobody)
    assert_info_ok(code, final)
    assert str(shiv_root) in err
    assert list(shiv_root.iterdir()) == []
    assert len(bundles(home / ".shiv")) == 1


# ---------------------------------------------------------------- stderr and the final line


@pytest.mark.parametrize("stderr", ["closed", "a pipe whose reader is gone"])
@pytest.mark.parametrize("startup", ["warm and silent", "first run that says something"])
def test_the_final_line_comes_whatever_stderr_is(stderr, startup, artifact, tmp_path):
    servo, env = servo_env(tmp_path, artifact, interpreter(VERSIONS[-1]))
    if startup == "warm and silent":
        answer(servo, env)
    else:  # unpacks, after saying that SHIV_ROOT cannot be used
        (tmp_path / "a-file").write_text("")
        env["SHIV_ROOT"] = str(tmp_path / "a-file")
    if stderr == "closed":
        assert_info_ok(*answer(servo, env, subprocess.DEVNULL, close_stderr)[:2])
        return
    reader, writer = os.pipe()
    os.close(reader)
    try:
        assert_info_ok(*answer(servo, env, writer)[:2])
    finally:
        os.close(writer)


@pytest.mark.parametrize("damage", ["environment.json is not JSON", "app is missing"])
@pytest.mark.parametrize("stderr", ["open", "closed"])
def test_a_damaged_artifact_ends_with_one_failed_line_and_exit_70(
        damage, stderr, artifact, tmp_path):
    broken = tmp_path / "broken.pyz"
    if damage == "app is missing":
        damaged_copy(artifact, broken, {"site-packages/app/": None})
    else:
        damaged_copy(artifact, broken, {"environment.json": b"{not json"})
    servo, env = servo_env(tmp_path, broken, interpreter(VERSIONS[-1]))
    if stderr == "closed":
        code, final, _ = answer(servo, env, subprocess.DEVNULL, close_stderr)
    else:
        code, final, err = answer(servo, env)
        assert "Traceback" in err
    assert code == 70
    assert (final["status"], final["reason"]) == ("failed", "internal-error")
