"""The one fake measure driver: every Python driver fakedriver.py writes runs this.

A driver in measure.d is a stub of three lines (see fakedriver.py):

    #!/path/to/the/tests/python
    import sys; sys.path.insert(0, "/abs/path/to/tests")
    import specdriver; specdriver.main('{"driver": {...}}')

``main`` takes the spec as JSON text, one of:

- ``{"driver": SPEC}``: behaviour from write_driver's keys (fakedriver.py's
  docstring): ``behave``.
- ``{"script": {...}}``: write_script's Python driver (generated --info and
  --describe answers, a measure step of the test's own source): ``script``.

Standard library only. Drivers start by the hundred (tests/test_scale.py),
so this module imports nothing it can do without (subprocess waits until a
driver spawns) and is read from tests/__pycache__, which fakedriver.py
fills: a driver never needs to write bytecode (it may run as another user,
with a read-only HOME).
"""

import json
import os
import signal
import sys
import time

# What the behaviour keys' info_/describe_ prefixes are called, by argv[1].
MODES = {"--info": "info", "--describe": "describe"}


def main(text):
    spec = json.loads(text)
    if "script" in spec:
        script(spec["script"])
    else:
        behave(spec["driver"])


# -- helpers (also in a script's scope) ----------------------------------------

def out(text):
    sys.stdout.write(text)
    sys.stdout.flush()


def err(text):
    sys.stderr.write(text)
    sys.stderr.flush()


def note(path, text):
    """A line in a file the test awaits (tests wait for events, never sleep)."""
    with open(path, "a") as f:
        f.write(text + "\n")


def wait_for_file(path, timeout=60):
    end = time.time() + timeout
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.01)


# -- write_driver: a behaviour spec --------------------------------------------

class Behaviour(object):
    """One call of a spec driver: which keys apply, and what it records."""

    def __init__(self, spec, mode):
        self.spec = spec
        self.mode = mode

    def get(self, key, default=None):
        """Unprefixed keys are for measure (and record/cancel for every call)."""
        if self.mode == "measure" or key in ("record", "cancel"):
            default = self.spec.get(key, default)
        return self.spec.get(self.mode + "_" + key, default)

    def record(self, event, **data):
        path = self.get("record")
        if path:
            data.update(event=event, mode=self.mode, pid=os.getpid(), time=time.time(),
                        name=os.path.basename(sys.argv[0]))
            with open(path, "a") as f:
                f.write(json.dumps(data) + "\n")


def behave(spec):
    argv = sys.argv[1:]
    call = Behaviour(spec, MODES.get(argv[0] if argv else "", "measure"))
    # First, before anything slow: a test may signal as soon as the driver runs.
    install_handlers(call)
    stdin = ""
    if call.mode == "measure" and call.get("read_stdin", True):
        stdin = sys.stdin.read()
    call.record("start", argv=sys.argv, cwd=os.getcwd(), stdin=stdin, env=dict(os.environ))
    if call.get("stderr"):
        err(call.get("stderr"))
    if call.get("spawn"):
        import subprocess       # here: it costs a few ms of every start
        subprocess.Popen(call.get("spawn"), shell=True)
    result = answer(call, stdin)
    time.sleep(call.get("sleep", 0))
    write_result(call, call.get("result", result))
    code = call.get("exit", 0)
    call.record("exit", code=code)
    sys.exit(code)


def install_handlers(call):
    """SIGUSR1 as ``cancel`` says; SIGTERM recorded, then its default action."""
    def on_usr1(signum, frame):
        call.record("signal", signum=signum)
        if call.get("cancel", "handle") == "handle":
            out(json.dumps({"status": "failed", "reason": "canceled",
                            "message": "canceled by SIGUSR1"}) + "\n")
            call.record("exit", code=3)
            os._exit(3)

    def on_term(signum, frame):
        call.record("signal", signum=signum)
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    cancel = call.get("cancel", "handle")
    if cancel == "handle":
        signal.signal(signal.SIGUSR1, on_usr1)
    elif cancel == "ignore":
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, on_term)


def answer(call, stdin):
    """The object this call prints, built from the spec (before ``result``)."""
    spec = call.spec
    describe = spec.get("describe") or {}
    if call.mode == "info":
        if "info" in spec:
            return spec["info"]
        return {"has_cancel": call.get("cancel", "handle") == "handle", "version": "1.0"}
    if call.mode == "describe":
        return {"status": "ok", "metrics": describe}
    try:
        request = json.loads(stdin) if stdin.strip() else {}
    except ValueError:
        request = {}
    control = request.get("control") or {}
    if call.get("use_duration"):
        time.sleep(sum(float(control.get(k) or 0) for k in ("warmup", "duration", "past")))
    for p in call.get("progress") or []:
        time.sleep(call.get("progress_interval", 0))
        if not isinstance(p, dict):
            p = {"progress": p[0], "message": p[1]} if isinstance(p, list) else {"progress": p}
        out(json.dumps(p) + "\n")
    metrics = spec.get("measure")
    if metrics is None:
        wanted = request.get("metrics") or list(describe)
        metrics = dict((m, {"value": 1.0}) for m in describe if m in wanted)
    result = {"status": "ok", "metrics": metrics}
    if spec.get("annotations") is not None:
        result["annotations"] = spec["annotations"]
    return result


def write_result(call, result):
    if call.get("stdout") is not None:
        out(call.get("stdout"))
        return
    line = json.dumps(result) + ("" if call.get("no_newline") else "\n")
    if call.get("split_writes"):
        for i in range(0, len(line), 7):
            out(line[i:i + 7])
            time.sleep(0.01)
    else:
        out(line)


# -- write_script(py=...): a measure step of the test's own ---------------------

def script(spec):
    """Run ``prelude``, answer --info/--describe, else run the measure ``step``.

    Both sources run in one namespace, as one script's top level would:
    P, MODE, request, the helpers above and json, os, signal, subprocess,
    sys, time. Their tracebacks name the driver and the part.
    """
    import subprocess
    name = os.path.basename(sys.argv[0])
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    scope = {"__name__": "__main__", "__file__": sys.argv[0],
             "P": spec["params"], "MODE": mode,
             "out": out, "err": err, "note": note, "wait_for_file": wait_for_file,
             "json": json, "os": os, "signal": signal, "subprocess": subprocess,
             "sys": sys, "time": time}
    run_source(spec["prelude"], "<%s: prelude>" % name, scope)
    if mode in MODES:
        out(spec[MODES[mode]])
        sys.exit(0)
    scope["request"] = (json.loads(sys.stdin.read() or "{}") if spec["read_stdin"]
                        else None)
    run_source(spec["step"], "<%s: measure step>" % name, scope)


def run_source(source, filename, scope):
    if source:
        exec(compile(source, filename, "exec"), scope)
