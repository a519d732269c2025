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
import shlex
import stat
import sys
import textwrap

# Linux reads at most this many bytes of a shebang line.
MAX_SHEBANG = 127

DRIVER_TEMPLATE = r'''
import json, os, signal, subprocess, sys, time

SPEC = json.loads(%(spec)r)
argv = sys.argv[1:]
MODE = {"--info": "info", "--describe": "describe"}.get(argv[0] if argv else "", "measure")


def get(key, default=None):
    """Unprefixed keys are for measure (and record/cancel for every call)."""
    if MODE == "measure" or key in ("record", "cancel"):
        default = SPEC.get(key, default)
    return SPEC.get(MODE + "_" + key, default)


def record(event, **data):
    path = get("record")
    if path:
        data.update(event=event, mode=MODE, pid=os.getpid(), time=time.time(),
                    name=os.path.basename(sys.argv[0]))
        with open(path, "a") as f:
            f.write(json.dumps(data) + "\n")


def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def on_usr1(signum, frame):
    record("signal", signum=signum)
    if get("cancel", "handle") == "handle":
        out(json.dumps({"status": "failed", "reason": "canceled",
                        "message": "canceled by SIGUSR1"}) + "\n")
        record("exit", code=3)
        os._exit(3)


def on_term(signum, frame):
    record("signal", signum=signum)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


cancel = get("cancel", "handle")
if cancel == "handle":
    signal.signal(signal.SIGUSR1, on_usr1)
elif cancel == "ignore":
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)
signal.signal(signal.SIGTERM, on_term)

stdin = ""
if MODE == "measure" and get("read_stdin", True):
    stdin = sys.stdin.read()
record("start", argv=sys.argv, cwd=os.getcwd(), stdin=stdin, env=dict(os.environ))

if get("stderr"):
    sys.stderr.write(get("stderr"))
    sys.stderr.flush()
if get("spawn"):
    subprocess.Popen(get("spawn"), shell=True)

describe = SPEC.get("describe") or {}
if MODE == "info":
    result = SPEC["info"] if "info" in SPEC else {"has_cancel": cancel == "handle", "version": "1.0"}
elif MODE == "describe":
    result = {"status": "ok", "metrics": describe}
else:
    try:
        request = json.loads(stdin) if stdin.strip() else {}
    except ValueError:
        request = {}
    control = request.get("control") or {}
    if get("use_duration"):
        time.sleep(sum(float(control.get(k) or 0) for k in ("warmup", "duration", "past")))
    for p in get("progress") or []:
        time.sleep(get("progress_interval", 0))
        if not isinstance(p, dict):
            p = {"progress": p[0], "message": p[1]} if isinstance(p, list) else {"progress": p}
        out(json.dumps(p) + "\n")
    metrics = SPEC.get("measure")
    if metrics is None:
        wanted = request.get("metrics") or list(describe)
        metrics = dict((m, {"value": 1.0}) for m in describe if m in wanted)
    result = {"status": "ok", "metrics": metrics}
    if SPEC.get("annotations") is not None:
        result["annotations"] = SPEC["annotations"]

time.sleep(get("sleep", 0))
result = get("result", result)
if get("stdout") is not None:
    out(get("stdout"))
else:
    line = json.dumps(result) + ("" if get("no_newline") else "\n")
    if get("split_writes"):
        for i in range(0, len(line), 7):
            out(line[i:i + 7])
            time.sleep(0.01)
    else:
        out(line)
code = get("exit", 0)
record("exit", code=code)
sys.exit(code)
'''


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


def write_driver(measure_d, name, **spec):
    """Write the fake driver ``measure_d/name``; returns its path.

    ``spec`` is described in this module's docstring.
    """
    os.makedirs(str(measure_d), exist_ok=True)
    text = _shebang() + "\n" + DRIVER_TEMPLATE % {"spec": json.dumps(spec)}
    return _write_executable(os.path.join(str(measure_d), name), text)


# What write_script puts before the measure step of a Python driver.
PY_SCRIPT = r"""
import json, os, signal, subprocess, sys, time

P = json.loads(%(params)r)
MODE = sys.argv[1] if len(sys.argv) > 1 else ""


def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def err(text):
    sys.stderr.write(text)
    sys.stderr.flush()


def note(path, text):
    # a line in a file the test awaits (tests wait for events, never sleep)
    with open(path, "a") as f:
        f.write(text + "\n")


def wait_for_file(path, timeout=60):
    end = time.time() + timeout
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.01)


%(prelude)s
if MODE == "--info":
    out(%(info)r)
    sys.exit(0)
if MODE == "--describe":
    out(%(describe)r)
    sys.exit(0)
%(read_stdin)s
"""

# What write_script puts before the measure step of a sh driver. wait_for
# gives up (exit 9) after 1000 naps of 10 ms, so a test never hangs on it.
SH_SCRIPT = """#!/bin/sh
wait_for() {
  i=0
  while [ ! -e "$1" ]; do
    i=$((i+1))
    if [ $i -gt 1000 ]; then echo "gave up waiting for $1" >&2; exit 9; fi
    sleep 0.01
  done
}
%(prelude)s
case "$1" in
--info) %(info)s; exit 0 ;;
--describe) %(describe)s; exit 0 ;;
esac
%(read_stdin)s
"""


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

    In sh: ``wait_for FILE`` waits (about 10 s at most) for a file.
    In Python: ``P`` (``params``, plain JSON values), ``MODE`` (argv[1]),
    ``request`` (stdin as JSON, or None), ``out(text)`` and ``err(text)``
    (flushed writes), ``note(path, text)`` (append a line),
    ``wait_for_file(path)``; json, os, signal, subprocess, sys and time are
    imported.
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
    if sh is not None:
        text = SH_SCRIPT % dict(
            prelude=textwrap.dedent(prelude).strip(),
            info=_sh_print(answers["info"]), describe=_sh_print(answers["describe"]),
            read_stdin="cat >/dev/null" if read_stdin else "",
        ) + textwrap.dedent(sh).strip() + "\n"
    else:
        text = _shebang() + "\n" + PY_SCRIPT % dict(
            params=json.dumps(params), prelude=textwrap.dedent(prelude).strip(),
            read_stdin=('request = json.loads(sys.stdin.read() or "{}")' if read_stdin
                        else "request = None"), **answers
        ) + textwrap.dedent(py).strip() + "\n"
    os.makedirs(str(measure_d), exist_ok=True)
    return _write_executable(os.path.join(str(measure_d), name), text)


def _sh_print(text):
    """A sh command printing text exactly (one line: printf's own newline)."""
    if text.endswith("\n") and "\n" not in text[:-1]:
        return "printf '%%s\\n' %s" % shlex.quote(text[:-1])
    return "printf '%%s' %s" % shlex.quote(text)


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
