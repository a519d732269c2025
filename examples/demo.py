#!/usr/bin/env python3
"""Run the aggregator against examples/servo/ the way the servo agent would.

    python3 examples/demo.py                 # uses dist/measure.pyz (make dist)
    python3 examples/demo.py --source        # uses `python3 -m app` from this checkout

Copies examples/servo/ to a temporary directory, installs the artifact there
as ./measure, then runs, from that directory: `./measure --check` (on a
terminal, so it prints its table), `./measure --info`, `./measure --describe`,
`./measure --plan` and a measurement with a request that gives
measure-vegeta its own duration, first as the agent runs it (progress lines
as they arrive, the merged result), then as an operator trying it by hand
at a terminal (the screen it leaves: the live view's last frame and the
result table). Exits non-zero when a step fails.

    python3 examples/demo.py --live          # that last step on this terminal, live

The screen is read through pyte (pinned in requirements-dev.txt, so `make
demo` has it); without pyte the demo shows what a dumb terminal gets.
"""

import argparse
import fcntl
import importlib.util
import json
import os
import pty
import select
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import termios

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SERVO = os.path.join(HERE, "servo")
AGENT_PY = os.path.join(ROOT, "tests", "agent.py")
DEFAULT_ARTIFACT = os.path.join(ROOT, "dist", "measure.pyz")
DEFAULT_REQUEST = "override.json"
IO_TIMEOUT = 60
WIDTH = 100


def load_agent():
    """tests/agent.py, imported by path (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("agent", AGENT_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def heading(text):
    print("\n== %s %s" % (text, "=" * max(0, 70 - len(text))), flush=True)


def show_json(obj, indent="   ", label=""):
    """YAML-like layout: one line per key, values as JSON, long ones unfolded."""
    flat = json.dumps(obj)
    if not isinstance(obj, (dict, list)) or not obj or len(indent + label + flat) <= WIDTH:
        print(indent + label + flat)
        return
    if label:
        print(indent + label.rstrip())
        indent += "  "
    if isinstance(obj, dict):
        for key, value in obj.items():
            show_json(value, indent, "%s: " % key)
    else:
        for value in obj:
            show_json(value, indent, "- ")


def show_stderr(run):
    if run.stderr.strip():
        print("   stderr:")
        for line in run.stderr.rstrip().splitlines():
            print("   | " + line)


def check(step, run):
    """Print a failed step's details and stop the demo."""
    if run.ok:
        return
    print("\n!! %s failed: %s" % (step, run.error or run.status))
    if run.result is not None:
        show_json(run.result)
    show_stderr(run)
    sys.exit(1)


def install(workdir, artifact, source):
    """A servo directory in workdir; returns it and the command to run."""
    servo = os.path.join(workdir, "servo")
    shutil.copytree(SERVO, servo, symlinks=True)
    if source:
        return servo, [sys.executable, "-m", "app"]
    measure = os.path.join(servo, "measure")
    shutil.copyfile(artifact, measure)
    os.chmod(measure, os.stat(measure).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return servo, ["./measure"]


def show_layout(servo):
    for dirpath, dirnames, filenames in os.walk(servo):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        depth = os.path.relpath(dirpath, servo).count(os.sep) + (dirpath != servo)
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            mark = "*" if os.access(path, os.X_OK) else " "
            print("   %s%s %s" % ("  " * depth, mark, os.path.relpath(path, servo)))
    print("   (* = executable: in measure.d/ only those are drivers)")


def on_pty(cmd, cwd, env, stdin, with_stderr=False):
    """(exit code, what cmd wrote) with its stdout (and stderr) on a fresh
    pseudo-terminal of WIDTH columns."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, WIDTH, 0, 0))
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=stdin, stdout=slave,
                            stderr=slave if with_stderr else None)
    os.close(slave)
    chunks = []
    while select.select([master], [], [], IO_TIMEOUT)[0]:
        try:
            data = os.read(master, 65536)
        except OSError:         # EIO: the command closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(chunks)


def on_terminal(cmd, args, cwd, env):
    """(exit code, stdout lines) of a command whose stdout is a terminal.

    magg prints its tables only for a person, that is on a terminal; a
    pseudo-terminal shows here what an operator would see.
    """
    code, out = on_pty(cmd + args, cwd, env, subprocess.DEVNULL)
    return code, out.decode("utf-8", "replace").replace("\r\n", "\n").splitlines()


def at_terminal(cmd, args, request_path, cwd, env):
    """(exit code, the rows of the screen, the final line) of a measurement whose
    stdout and stderr are a terminal, as an operator runs it."""
    try:
        import pyte
    except ImportError:
        pyte = None
        env = dict(env, TERM="dumb")
    else:
        env = dict(env, TERM="xterm-256color")
    with open(request_path, "rb") as stdin:
        code, out = on_pty(cmd + args, cwd, env, stdin, with_stderr=True)
    text, _, final = out.rstrip(b"\r\n").rpartition(b"\r\n")
    if pyte is None:
        rows = text.decode("utf-8", "replace").split("\r\n")
    else:
        screen = pyte.Screen(WIDTH, 500)        # tall: nothing scrolls off
        pyte.ByteStream(screen).feed(text + b"\r\n")
        rows = [row.rstrip() for row in screen.display]
        while rows and not rows[-1]:
            rows.pop()
    return code, rows, final.decode("utf-8", "replace")


def on_progress(line, measurement):
    print("   [%5.1f s] %3s%%  %s" % (measurement.elapsed(), line.get("progress"),
                                      line.get("message", "")), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--artifact", default=DEFAULT_ARTIFACT,
                        help="the aggregator to install as ./measure (default: %(default)s)")
    parser.add_argument("--source", action="store_true",
                        help="run `python -m app` from this checkout instead of the artifact")
    parser.add_argument("--request", default=DEFAULT_REQUEST,
                        help="a file in examples/servo/requests/ (default: %(default)s)")
    parser.add_argument("--app-id", default="demo-app")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--live", action="store_true",
                        help="run the measurement at a terminal on this terminal, live")
    opts = parser.parse_args()

    if not opts.source and not os.path.isfile(opts.artifact):
        sys.exit("demo: no artifact at %s: run `make dist` first (or use --source)"
                 % opts.artifact)
    if not os.path.isfile(os.path.join(SERVO, "requests", opts.request)):
        sys.exit("demo: no request %s in %s" % (opts.request, os.path.join(SERVO, "requests")))
    agent = load_agent()
    env = dict(os.environ)
    if opts.source:
        env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    kw = dict(env=env, io_timeout=IO_TIMEOUT)
    app = opts.app_id

    workdir = tempfile.mkdtemp(prefix="magg-demo-")
    try:
        servo, cmd = install(workdir, opts.artifact, opts.source)
        shown = "python3 -m app" if opts.source else " ".join(cmd)
        heading("the servo directory: %s" % servo)
        show_layout(servo)

        heading("%s --check %s" % (shown, app))
        print("   (every driver's --info and --describe: a health check, no request)")
        code, lines = on_terminal(cmd, ["--check", app], servo, env)
        for line in lines[:-1]:
            print("   " + line)
        if code != 0:
            print("\n!! --check failed (exit %s): %s" % (code, lines[-1] if lines else ""))
            sys.exit(1)

        heading("%s --info %s" % (shown, app))
        run = agent.info(cmd, app, servo, **kw)
        check("--info", run)
        show_json(run.result)

        heading("%s --describe %s" % (shown, app))
        run = agent.describe(cmd, app, servo, **kw)
        check("--describe", run)
        show_json(run.result)

        request_path = os.path.join(servo, "requests", opts.request)
        with open(request_path) as f:
            request = json.load(f)
        heading("%s --plan %s < requests/%s" % (shown, app, opts.request))
        print("   (what each driver would get; nothing is measured)")
        run = agent.call(cmd, ["--plan", app], servo, stdin=request, **kw)
        check("--plan", run)
        show_json(run.result)

        heading("%s %s < requests/%s" % (shown, app, opts.request))
        show_json(request)
        print("   progress, as it arrives:")
        info = agent.info(cmd, app, servo, **kw)  # the agent asks before every call
        check("--info", info)
        run = agent.measure(cmd, app, request, servo, on_progress=on_progress,
                            has_cancel=bool(info.result.get("has_cancel")), **kw)
        show_stderr(run)
        check("measure", run)

        heading("merged result (exit %s, %.1f s)" % (run.returncode, run.elapsed))
        show_json(run.result)

        heading("%s %s < requests/%s, at a terminal" % (shown, app, opts.request))
        if opts.live:
            with open(request_path, "rb") as stdin:
                code = subprocess.call(cmd + [app], cwd=servo, env=env, stdin=stdin)
        else:
            print("   (by hand: the live view while it runs, then the result table and the\n"
                  "    final line; `python3 examples/demo.py --live` shows it live here)")
            code, rows, final = at_terminal(cmd, [app], request_path, servo, env)
            for row in rows:
                print("   " + row)
            print("   " + (final if len(final) <= WIDTH else final[:WIDTH - 1] + "\u2026"))
        if code != 0:
            print("\n!! the measurement at a terminal failed (exit %s)" % code)
            sys.exit(1)
        print("\ndemo: every step succeeded")
        return 0
    finally:
        if opts.keep:
            print("demo: kept %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
