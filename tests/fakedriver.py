"""Fake measure drivers for integration tests: small executables in measure.d/.

Two ways to write one, both answering ``--info``, ``--describe APP_ID`` and
``APP_ID`` (measure, request on stdin) like a real driver:

- ``write_driver(measure_d, name, **spec)``: a Python driver whose whole
  behaviour is a JSON spec (keys below): results, progress, stderr, exit
  codes, cancel handling, per-call failures, a record of what it saw.
- ``write_script(measure_d, name, sh=... | py=..., ...)``: a driver whose
  ``--info`` and ``--describe`` answers are generated from ``has_cancel``,
  ``metrics`` and ``version`` (or given as raw text), and whose measure step
  is the script you write, in sh or in Python. Use it when a driver must
  wait for an event, signal, spawn, or write bytes in a particular way.

Either way the file written into measure.d is a stub of a few lines. A
Python driver (``write_driver``, ``write_script(py=...)``) runs on the
interpreter running the tests and calls ``specdriver.main`` with its spec as
JSON: tests/specdriver.py is the driver, a real module (read from
tests/__pycache__, which this module fills). A sh driver sources
tests/specdriver.sh for its helpers and answers. A new behaviour goes there.

Examples::

    from fakedriver import make_servo, read_records, write_driver, write_script

    servo = make_servo(tmp_path, config="magg:\\n  grace_period: 5\\n")
    d = servo / "measure.d"

    # a metrics driver: describes two metrics, returns value 1.0 for each
    write_driver(d, "prom", describe={"cpu": {"unit": "cores"}, "mem": {"unit": "B"}})

    # explicit result payloads, annotations, progress lines, stderr noise
    write_driver(d, "vegeta", describe={"rps": {"unit": "rps"}},
                 measure={"rps": {"value": 250.0, "unit": "rps"}},
                 annotations={"load": "250/s"},
                 progress=[[25, "warming up"], 50, 100], progress_interval=0.1,
                 stderr="debug log\\n" * 100)

    # an exec hook: no metrics, sleeps for control.duration (+warmup +past)
    write_driver(d, "exec", use_duration=True)

    # a driver that fails the measurement only (per-mode keys: info_*, describe_*, measure_*)
    write_driver(d, "broken", measure_exit=1, measure_stderr="boom\\n",
                 result={"status": "failed", "message": "boom", "reason": "test"})

    # raw stdout instead of the normal output, e.g. garbage on --info
    write_driver(d, "garbage", info_stdout="not json\\n")

    # record what the driver saw: argv, cwd, stdin, env, signals, exit
    log = tmp_path / "prom.log"
    write_driver(d, "prom2", describe={"x": {}}, record=str(log))
    ...
    starts = read_records(log, "start")   # [{"argv": [...], "stdin": "...", ...}]

    # cancel behaviour on SIGUSR1: "handle" (default: failed result, exit 3),
    # "default" (no handler: SIGUSR1 terminates it), "ignore" (only SIGKILL works)
    write_driver(d, "stubborn", cancel="ignore", sleep=60)

    # scripted: sh, waits (bounded) for a file the test creates, then answers
    write_script(d, "slow", has_cancel=True, metrics=["x"], sh='''
        wait_for "%s"
        echo '{"status": "ok", "metrics": {"x": {"value": 1}}}'
        ''' % go_file)

    # scripted: Python, with parameters in P and helpers (see write_script)
    write_script(d, "ticker", release=str(release), py='''
        out(json.dumps({"progress": 50, "message": "tick"}) + "\\n")
        wait_for_file(P["release"])
        out(json.dumps({"status": "ok", "metrics": {}}) + "\\n")
        ''')

``write_driver``'s spec keys (all optional). The behaviour keys (from ``result`` on) apply to
the measure call; prefix them with ``info_`` or ``describe_`` to apply them
to those calls instead (``info_exit=1``, ``describe_sleep=5``). ``cancel`` and
``record`` apply to every call.

    info            the --info object (default {"has_cancel": <cancel == "handle">,
                    "version": "1.0"})
    describe        {metric: attributes} printed by --describe (default {})
    measure         {metric: payload} returned by measure (default: every described
                    metric that was requested, or all of them, as {"value": 1.0})
    annotations     annotations of the measure result (default: none)
    cancel          "handle" | "default" | "ignore" what SIGUSR1 does (default "handle")
    result          the whole output object, replacing the one built from the above
    read_stdin      measure reads stdin to EOF first (default True)
    use_duration    measure sleeps control warmup + duration + past (default False)
    progress        lines printed before the result: P, [P, message] or a dict
    progress_interval  seconds before each progress line (default 0)
    sleep           seconds to sleep before the result (default 0)
    stdout          raw text written instead of the normal output
    stderr          text written to stderr before anything else
    split_writes    write the result line in several flushed pieces (default False)
    no_newline      no newline after the result line (default False)
    spawn           a shell command started in the background, inheriting stdio
    exit            exit code (default 0)
    record          path of a file to append one JSON line per event to
"""

import json
import os
import py_compile
import shlex
import stat
import sys
import textwrap

TESTS = os.path.dirname(os.path.abspath(__file__))
SPECDRIVER = os.path.join(TESTS, "specdriver.py")
SPECDRIVER_SH = os.path.join(TESTS, "specdriver.sh")

# Linux reads at most this many bytes of a shebang line.
MAX_SHEBANG = 127

# A Python driver: specdriver.main with its spec. The spec is in the stub, not
# beside it: measure.d holds drivers only, and a test may copy or rename one.
PY_STUB = """%(shebang)s
import sys; sys.path.insert(0, %(tests)r)
import specdriver; specdriver.main(%(spec)r)
"""

# A sh driver: specdriver.sh's helpers, the prelude, the answers, the step.
SH_STUB = """#!/bin/sh
. %(library)s
%(prelude)s
answer "$1" %(info)s %(describe)s
%(read_stdin)s
%(step)s
"""


def _cache_bytecode():
    """Compile specdriver.py into tests/__pycache__, once per test session.

    PYTHONDONTWRITEBYTECODE is set on these machines, and a driver may run as
    a user who cannot write here; without this every driver start would
    compile the module anew. Drivers run on this interpreter (_shebang), so
    the cache's tag is theirs.
    """
    try:
        py_compile.compile(SPECDRIVER, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    except (OSError, py_compile.PyCompileError):
        pass        # a read-only checkout: drivers compile it as they start


_cache_bytecode()


def _shebang():
    line = "#!" + sys.executable
    if len(line) > MAX_SHEBANG or " " in line:
        return "#!/usr/bin/env python3"
    return line


def _write_executable(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _write_python(measure_d, name, spec):
    text = PY_STUB % dict(shebang=_shebang(), tests=TESTS, spec=json.dumps(spec))
    os.makedirs(str(measure_d), exist_ok=True)
    return _write_executable(os.path.join(str(measure_d), name), text)


def write_driver(measure_d, name, **spec):
    """Write the fake driver ``measure_d/name``; returns its path.

    ``spec`` is described in this module's docstring.
    """
    return _write_python(measure_d, name, {"driver": spec})


def write_script(measure_d, name, sh=None, py=None, has_cancel=False, metrics=(),
                 version="1.0", info_stdout=None, describe_stdout=None,
                 read_stdin=True, prelude="", **params):
    """Write ``measure_d/name``: generated --info/--describe, a scripted measure step.

    Exactly one of ``sh`` (a /bin/sh script) or ``py`` (Python) is the
    measure step; both are dedented. --info prints ``{"has_cancel":
    has_cancel, "version": version}``, --describe prints ``metrics`` (a list
    of names, or a mapping of name to attributes) as ``{"status": "ok",
    "metrics": ...}``; ``info_stdout``/``describe_stdout`` replace either
    answer with raw text. The measure step runs after stdin was read to EOF
    (``read_stdin=False``: left to the step). ``prelude``, in the same
    language, runs first on every call, --info and --describe included.

    In sh (specdriver.sh is sourced first): ``wait_for FILE`` waits (about
    10 s at most) for a file.
    In Python (specdriver.py runs the prelude and the step in one namespace):
    ``P`` (``params``, plain JSON values), ``MODE`` (argv[1]), ``request``
    (stdin as JSON, or None), ``out(text)`` and ``err(text)`` (flushed
    writes), ``note(path, text)`` (append a line), ``wait_for_file(path)``;
    json, os, signal, subprocess, sys and time are imported.
    """
    if (sh is None) == (py is None):
        raise TypeError("write_script needs exactly one of sh= or py=")
    if sh is not None and params:
        raise TypeError("parameters %s are for py= scripts only" % sorted(params))
    described = metrics if isinstance(metrics, dict) else dict((m, {}) for m in metrics)
    answers = {
        "info": info_stdout if info_stdout is not None else json.dumps(
            {"has_cancel": has_cancel, "version": version}) + "\n",
        "describe": describe_stdout if describe_stdout is not None else json.dumps(
            {"status": "ok", "metrics": described}) + "\n",
    }
    prelude = textwrap.dedent(prelude).strip()
    if py is not None:
        return _write_python(measure_d, name, {"script": dict(
            answers, params=params, prelude=prelude, read_stdin=read_stdin,
            step=textwrap.dedent(py).strip())})
    text = SH_STUB % dict(
        library=shlex.quote(SPECDRIVER_SH), prelude=prelude,
        info=shlex.quote(answers["info"]), describe=shlex.quote(answers["describe"]),
        read_stdin="cat >/dev/null" if read_stdin else "",
        step=textwrap.dedent(sh).strip())
    os.makedirs(str(measure_d), exist_ok=True)
    return _write_executable(os.path.join(str(measure_d), name), text)


def make_servo(root, config=None):
    """Create ``root/measure.d`` (and ``root/config.yaml`` when given); returns root."""
    os.makedirs(os.path.join(str(root), "measure.d"), exist_ok=True)
    if config is not None:
        with open(os.path.join(str(root), "config.yaml"), "w") as f:
            f.write(config)
    return root


def read_records(path, event=None):
    """The events a driver recorded (see ``record``), optionally of one kind."""
    if not os.path.exists(str(path)):
        return []
    with open(str(path)) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r for r in records if event is None or r["event"] == event]
