"""Fake measure drivers for integration tests: small executables in measure.d/.

``write_driver(measure_d, name, ...)`` writes a Python script (shebang:
``#!`` + ``sys.executable``) whose behaviour is a JSON spec embedded in it.
The script answers ``--info``, ``--describe APP_ID`` and ``APP_ID`` (measure,
request on stdin) like a real driver. ``write_sh_driver`` writes a plain
``#!/bin/sh`` one for trivial cases (faster to start).

Examples::

    from fakedriver import make_servo, write_driver, write_sh_driver, read_records

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

    write_sh_driver(d, "tiny", 'echo \\'{"status": "ok", "metrics": {}}\\'')

Spec keys (all optional). The behaviour keys (from ``result`` on) apply to
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
import stat
import sys

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


def write_sh_driver(measure_d, name, body):
    """Write ``measure_d/name`` as a ``#!/bin/sh`` script running ``body``."""
    os.makedirs(str(measure_d), exist_ok=True)
    return _write_executable(os.path.join(str(measure_d), name), "#!/bin/sh\n" + body + "\n")


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
