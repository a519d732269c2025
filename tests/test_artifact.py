"""dist/measure.pyz as a servo directory sees it: one copied file, no package.

Builds the artifact if dist/ has none (``make test`` builds it first), then
runs it from fresh servo directories (``measure``, ``config.yaml``,
``measure.d/``) on every CPython 3.6-3.13 found (pyenv, or pythonX.Y on
PATH), as uid 65534 with a missing or read-only HOME, and with a driver that
records the environment it was given.
"""

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from interpreters import INTERPRETERS, VERSIONS, interpreter

ROOT = Path(__file__).resolve().parent.parent
ARTIFACT = ROOT / "dist" / "measure.pyz"
NOBODY = 65534
REQUEST = {"metrics": ["m1"], "control": {"duration": 0}}

# A fake measure driver, as the contract describes one.
DRIVER = """#!/bin/sh
case "$1" in
--info) echo '{"has_cancel": true, "version": "1.0"}' ;;
--describe) echo '{"status": "ok", "metrics": {"m1": {"unit": "ms"}}}' ;;
*) cat >/dev/null; echo '{"status": "ok", "metrics": {"m1": {"value": 1.5, "unit": "ms"}}}' ;;
esac
"""

# A driver that writes its whole environment to $ENVREC, then answers.
ENV_DRIVER = """#!/bin/sh
env > "$ENVREC"
case "$1" in
--info) echo '{"has_cancel": true, "version": "1.0"}' ;;
--describe) echo '{"status": "ok", "metrics": {}}' ;;
*) cat >/dev/null; echo '{"status": "ok", "metrics": {}}' ;;
esac
"""

# Variables /bin/sh sets by itself before `env` runs.
SHELL_ADDED = {"PWD", "SHLVL", "_", "OLDPWD"}


# ---------------------------------------------------------------- helpers


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def build():
    subprocess.run([sys.executable, str(ROOT / "build.py")], check=True, stdout=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def artifact(tmp_path_factory):
    """A private copy of dist/measure.pyz (built if missing), safe from rebuilds."""
    if not ARTIFACT.exists():
        build()
    copy = tmp_path_factory.mktemp("dist") / "measure.pyz"
    shutil.copy2(str(ARTIFACT), str(copy))
    return copy


def make_servo(base, artifact, drivers):
    """base/servo with measure (a copy), config.yaml and measure.d/<drivers>."""
    servo = Path(base) / "servo"
    (servo / "measure.d").mkdir(parents=True)
    shutil.copy2(str(artifact), str(servo / "measure"))
    (servo / "config.yaml").write_text("magg:\n  grace_period: 0\n  cleanup_grace_period: 5\n")
    for name, text in drivers.items():
        path = servo / "measure.d" / name
        path.write_text(text)
        path.chmod(0o755)
    return servo


def python_on_path(base, python):
    """A bin dir whose python3 is `python`, so `#!/usr/bin/env python3` picks it."""
    bindir = Path(base) / "bin"
    bindir.mkdir(exist_ok=True)
    link = bindir / "python3"
    if not link.exists():
        link.symlink_to(python)
    return str(bindir)


def base_env(home, path_first=None):
    env = {
        "PATH": (path_first + os.pathsep if path_first else "") + "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return env


def run(cmd, servo, env, stdin=None, preexec_fn=None):
    proc = subprocess.run(
        cmd, cwd=str(servo), env=env, input=stdin, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, universal_newlines=True, timeout=60, preexec_fn=preexec_fn,
    )
    assert proc.returncode == 0, (cmd, proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert lines, (cmd, proc.stderr)
    for line in lines:
        json.loads(line)  # every stdout line is JSON
    return json.loads(lines[-1])


def check_all_commands(cmd, servo, env, preexec_fn=None):
    """--info, --describe and measure through cmd; the contract's answers."""
    info = run(cmd + ["--info", "APP"], servo, env, preexec_fn=preexec_fn)
    assert info["status"] == "ok"
    assert info["has_cancel"] is True
    assert info["drivers"] == {"d1": {"has_cancel": True, "version": "1.0"}}
    assert "version" in info

    describe = run(cmd + ["--describe", "APP"], servo, env, preexec_fn=preexec_fn)
    assert describe == {"status": "ok", "metrics": {"m1": {"unit": "ms"}}}

    result = run(cmd + ["APP"], servo, env, stdin=json.dumps(REQUEST), preexec_fn=preexec_fn)
    assert result["status"] == "ok"
    assert result["metrics"] == {"m1": {"value": 1.5, "unit": "ms"}}


# ---------------------------------------------------------------- the file itself


def test_zip_is_pure_python_with_yaml(artifact):
    with zipfile.ZipFile(str(artifact)) as archive:
        names = archive.namelist()
    assert "site-packages/yaml/__init__.py" in names
    assert "site-packages/app/__main__.py" in names
    assert "__main__.py" in names
    bad = [n for n in names if n.endswith((".so", ".pyd", ".c", ".pyx", ".pyc")) or "__pycache__" in n]
    assert bad == []
    assert not [n for n in names if n.startswith("site-packages/_yaml")]


def test_shebang_and_executable(artifact):
    with open(str(artifact), "rb") as f:
        assert f.readline() == b"#!/usr/bin/env python3\n"
    mode = artifact.stat().st_mode
    assert mode & stat.S_IXUSR and mode & stat.S_IXGRP and mode & stat.S_IXOTH


def test_two_builds_are_byte_identical(artifact):
    build()
    first = sha256(ARTIFACT)
    build()
    assert sha256(ARTIFACT) == first


# ---------------------------------------------------------------- every interpreter


@pytest.mark.parametrize("version", VERSIONS)
def test_runs_on_cpython(version, artifact, tmp_path):
    python = interpreter(version)
    servo = make_servo(tmp_path, artifact, {"d1": DRIVER})
    env = base_env(tmp_path / "home", python_on_path(tmp_path, python))
    check_all_commands(["./measure"], servo, env)
    unpacked = list((tmp_path / "home" / ".shiv").glob("measure_*"))
    assert len(unpacked) == 1 and unpacked[0].is_dir()
    # Warm start uses the same directory and pyc files for this interpreter.
    check_all_commands([python, "measure"], servo, env)
    assert list((tmp_path / "home" / ".shiv").glob("measure_*")) == unpacked


def test_symlink_and_python3_measure(artifact, tmp_path):
    servo = make_servo(tmp_path, artifact, {"d1": DRIVER})
    env = base_env(tmp_path / "home", os.path.dirname(sys.executable))
    (servo / "measure").unlink()
    (servo / "measure").symlink_to(artifact)
    check_all_commands(["./measure"], servo, env)
    check_all_commands(["python3", "measure"], servo, env)


def test_magg_refuses_to_run_itself_as_a_driver(artifact, tmp_path):
    servo = make_servo(tmp_path, artifact, {"d1": DRIVER})
    (servo / "measure.d" / "again").symlink_to(servo / "measure")
    env = base_env(tmp_path / "home", os.path.dirname(sys.executable))
    proc = subprocess.run(["./measure", "--info", "APP"], cwd=str(servo), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=60)
    final = json.loads(proc.stdout.splitlines()[-1])
    assert proc.returncode != 0 and final["status"] == "failed"
    assert "measure.d/again is this aggregator itself" in final["message"]


def test_shiv_root_is_honoured(artifact, tmp_path):
    servo = make_servo(tmp_path, artifact, {"d1": DRIVER})
    env = base_env(tmp_path / "home", os.path.dirname(sys.executable))
    env["SHIV_ROOT"] = str(tmp_path / "shivroot")
    check_all_commands(["./measure"], servo, env)
    assert list((tmp_path / "shivroot").glob("measure_*/site-packages/app/__init__.py"))
    assert not (tmp_path / "home" / ".shiv").exists()


# ---------------------------------------------------------------- environment


def test_drivers_get_the_given_environment(artifact, tmp_path):
    servo = make_servo(tmp_path, artifact, {"d1": DRIVER, "envrec": ENV_DRIVER})
    record = tmp_path / "env.txt"
    env = base_env(tmp_path / "home", os.path.dirname(sys.executable))
    env.update({"ENVREC": str(record), "OPTUNE_IO_TIMEOUT": "30", "SOME_SETTING": "a b=c"})
    for args, stdin in ((["--info", "APP"], None), (["APP"], json.dumps(REQUEST))):
        run(["./measure"] + args, servo, env, stdin=stdin)
        seen = dict(line.split("=", 1) for line in record.read_text().splitlines() if "=" in line)
        for name in SHELL_ADDED:
            seen.pop(name, None)
        assert seen == env
        assert not [k for k in seen if k.startswith("SHIV_") or k == "PYTHONPATH"]


# ---------------------------------------------------------------- unprivileged user


def nobody_can_run(python):
    """True if uid 65534 can start this interpreter (pyenv under /root often not)."""
    try:
        proc = subprocess.run([python, "-c", "pass"], preexec_fn=become_nobody,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    except OSError:
        return False
    return proc.returncode == 0


def become_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def nobody_interpreters():
    candidates = list(INTERPRETERS.values()) + ["/usr/bin/python3", "/usr/local/bin/python3"]
    seen, usable = set(), []
    for python in candidates:
        if os.path.exists(python) and python not in seen:
            seen.add(python)
            if nobody_can_run(python):
                usable.append(python)
    return usable


@pytest.fixture
def public_tmp():
    """A directory uid 65534 can read (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="magg-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(str(path), ignore_errors=True)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to switch to uid 65534")
@pytest.mark.parametrize("home", ["missing", "read-only"])
def test_unprivileged_user_without_writable_home(home, artifact, public_tmp):
    pythons = nobody_interpreters()
    if not pythons:
        pytest.skip("no interpreter that uid 65534 can run")
    servo = make_servo(public_tmp, artifact, {"d1": DRIVER})
    for path in [servo] + list(servo.rglob("*")):  # a+rX, whatever the umask
        path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
    homedir = public_tmp / "home"
    if home == "read-only":
        homedir.mkdir(mode=0o555)
        homedir.chmod(0o555)
    tmpdir = public_tmp / "tmp"
    tmpdir.mkdir()
    tmpdir.chmod(0o1777)
    for python in pythons:
        bindir = public_tmp / ("bin-" + hashlib.sha1(python.encode()).hexdigest()[:8])
        bindir.mkdir()
        (bindir / "python3").symlink_to(python)
        bindir.chmod(0o755)
        env = base_env(homedir, str(bindir))
        env["TMPDIR"] = str(tmpdir)
        check_all_commands(["./measure"], servo, env, preexec_fn=become_nobody)
    private = tmpdir / "magg-{}".format(NOBODY)
    st = private.lstat()
    assert stat.S_ISDIR(st.st_mode) and st.st_uid == NOBODY and stat.S_IMODE(st.st_mode) == 0o700
    assert not (homedir / ".shiv").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to switch to uid 65534")
def test_planted_temp_dir_is_not_used(artifact, public_tmp):
    """A world-writable magg-65534 made by someone else: run from the zip instead."""
    pythons = nobody_interpreters()
    if not pythons:
        pytest.skip("no interpreter that uid 65534 can run")
    servo = make_servo(public_tmp, artifact, {"d1": DRIVER})
    tmpdir = public_tmp / "tmp"
    planted = tmpdir / "magg-{}".format(NOBODY)
    planted.mkdir(parents=True)
    tmpdir.chmod(0o1777)
    planted.chmod(0o777)
    bindir = public_tmp / "bin"
    bindir.mkdir()
    (bindir / "python3").symlink_to(pythons[0])
    env = base_env(public_tmp / "missing-home", str(bindir))
    env["TMPDIR"] = str(tmpdir)
    check_all_commands(["./measure"], servo, env, preexec_fn=become_nobody)
    assert list(planted.iterdir()) == []
