# -*- coding: utf-8 -*-
"""The zipapp's __main__: find (or make) the unpacked bundle, then run the app.

build.py puts this file at the root of dist/measure.pyz in place of shiv's
``import _bootstrap; _bootstrap.bootstrap()`` and leaves shiv's bootstrap
out. shiv still builds the zip (site-packages/, environment.json); this file
unpacks it. Why not shiv's bootstrap:

- it always unpacks to ``~/.shiv`` (or a fixed ``--root``) and fails with a
  traceback when HOME is missing or read-only, or SHIV_ROOT is a file;
- it holds a file lock while compileall's worker processes compile the
  bundle. The workers inherit the lock, so a first run killed while it
  compiles (SIGKILL, the OOM killer, a container stop) leaves orphans that
  hold it, and every later run waits on it forever, silently;
- importing it costs ~15 ms per start (typing, pathlib, compileall...).

Where the bundle is unpacked, first fit wins (an unpack that fails is told
on stderr; a HOME or temp dir we cannot use is skipped quietly):

1. ``$SHIV_ROOT`` when set (the user's choice: it must work, not be ours);
2. ``~/.shiv``, when it is (or can be made) a directory owned by this user
   that no one else may write to;
3. ``<tempdir>/magg-<uid>``, mode 0700, used only if it is a real directory
   owned by this user with no group or other access, so no other user can
   plant code in it;
4. nowhere: app and PyYAML are imported straight from the zip (both are
   pure Python), compiled in memory on each run.

How: each first run extracts and compiles in its own process into a
private directory, then renames it into place in one step; no lock, no
worker processes, a deadline of UNPACK_SECONDS, then run from the zip.
magg_unpack.py (pyz/unpack.py) does it and says why; it is compiled only
when a run unpacks, so warm starts do not pay for it.

Each interpreter gets its own directory (the name ends in its cache tag,
e.g. ``cpython-36``): the .pyc files are compiled once, by the first run of
that interpreter, and PYTHONDONTWRITEBYTECODE=1 must not make another
version recompile everything on every start.

The bundle goes first on sys.path, before PYTHONPATH and the current
directory, and a preloaded ``app`` or ``yaml`` is dropped: magg runs its own
code and PyYAML whatever the environment holds. Nothing here touches
os.environ: drivers see exactly the environment magg was given. Of shiv's
run-time variables only SHIV_ROOT and SHIV_FORCE_EXTRACT are read.

Start-up never ends without the protocol's final line: a failure here
prints one ``{"status": "failed", "reason": "internal-error"}`` line and
exits 70, as the app does for its own bugs; messages to stderr are best
effort. This file must stay valid Python 3.6 and use the standard library.
"""

import json
import os
import signal
import stat
import sys
import time

TEMP_PREFIX = "magg-"
UNPACK_MODULE = "magg_unpack"  # pyz/unpack.py, beside this file in the zip
UNPACK_SECONDS = 5.0      # for every unpack attempt of one run together
OWN_PACKAGES = ("app", "yaml")
TRUE_WORDS = ("1", "true", "t", "yes")
# The app's exit codes (app/__init__.py), which cannot be imported yet.
EXIT_CANCELLED = 3
EXIT_INTERNAL = 70


def say(message):
    """One line to stderr, best effort: a closed or broken stderr stops nothing.

    os.write, not sys.stderr: a failed buffered write would stay in the
    buffer and fail again at exit, which turns the exit code into 120.
    """
    if sys.stderr is None:  # fd 2 was closed when Python started
        return
    try:
        os.write(2, ("magg: " + message + "\n").encode("utf-8", "backslashreplace"))
    except OSError:
        pass


def owned_and_closed(path, mask):
    """True if path is a real directory of ours with none of mask's mode bits."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & mask


def home_root():
    """~/.shiv if HOME resolves to an absolute path we can make safe, else None."""
    root = os.path.expanduser(os.path.join("~", ".shiv"))
    if not os.path.isabs(root):
        return None
    try:
        os.makedirs(root, 0o700, exist_ok=True)
    except OSError:
        return None
    return root if owned_and_closed(root, 0o022) else None


def temp_root():
    """A private per-user directory in the system temp dir, or None."""
    import tempfile

    try:
        base = tempfile.gettempdir()
    except OSError:  # no usable temp dir anywhere
        return None
    root = os.path.join(base, TEMP_PREFIX + str(os.geteuid()))
    try:
        os.mkdir(root, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    return root if owned_and_closed(root, 0o077) else None


def roots():
    """The candidate roots, in order; a generator, so warm starts check only one."""
    if os.environ.get("SHIV_ROOT"):
        yield os.path.expanduser(os.environ["SHIV_ROOT"])
    for choose in (home_root, temp_root):
        root = choose()
        if root:
            yield root


def find_bundle(archive, name, force):
    """The bundle's site-packages: unpacked in the first root that works, else in the zip."""
    from importlib import import_module

    deadline = time.monotonic() + UNPACK_SECONDS
    for root in roots():
        target = os.path.join(root, name)
        site_packages = os.path.join(target, "site-packages")
        if not force and os.path.isdir(site_packages):
            return site_packages
        if time.monotonic() > deadline:
            continue  # out of time: only bundles already there will do
        try:
            import_module(UNPACK_MODULE).unpack(archive, root, target, force, deadline)
            return site_packages
        except Exception as exc:  # whatever went wrong, the next root may work
            say("cannot unpack into {} ({}); trying the next place".format(root, explain(exc)))
    say("running from the zip, without an unpacked bundle (slower start)")
    return os.path.join(archive, "site-packages")


def explain(exc):
    """An exception as one short line."""
    return "{}: {}".format(type(exc).__name__, exc)



def put_first(site_packages):
    """The bundle before PYTHONPATH and the current dir; drop any app or yaml already loaded."""
    sys.path.insert(0, site_packages)
    for module in list(sys.modules):
        if module.partition(".")[0] in OWN_PACKAGES:
            del sys.modules[module]


def entry_point():
    """Find or make the bundle and import the app's main function."""
    from importlib import import_module

    archive = os.path.abspath(sys.argv[0])
    env = json.loads(__loader__.get_data("environment.json").decode("utf-8"))
    name = "{}_{}_{}".format(
        os.path.basename(os.path.realpath(archive)), env["build_id"], sys.implementation.cache_tag
    )
    force = os.environ.get("SHIV_FORCE_EXTRACT", "").lower() in TRUE_WORDS
    put_first(find_bundle(archive, name, force))
    module, _, function = env["entry_point"].partition(":")
    return getattr(import_module(module), function)


def fail(status, reason, message, code):
    """The protocol's final line for a start-up that cannot go on; the exit code."""
    line = json.dumps({"status": status, "reason": reason, "message": message})
    try:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass
    return code


def open_std_fds():
    """/dev/null on a closed fd 0, 1 or 2, before start-up opens any file.

    With `2>&-` the zip or a bundle file would otherwise become fd 2, and
    every later write to stderr would go to it. (app/stdio.py does the same
    for runs from source; the app cannot be imported yet here.)
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


class Stopped(BaseException):
    """A stop signal while the artifact starts (app/__main__.py answers later ones)."""


def on_stop(signum, frame):
    raise Stopped(signal.Signals(signum).name)


def main():
    open_std_fds()
    # An unpack can take a while: a stop signal is answered with the usual final
    # line, even when a parent left it blocked (as app/__main__.py does next).
    for signum in (signal.SIGTERM, signal.SIGUSR1):
        signal.signal(signum, on_stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1))
    try:
        run = entry_point()
    except KeyboardInterrupt:
        return fail("failed", "cancelled", "cancelled by SIGINT while starting", EXIT_CANCELLED)
    except Stopped as stop:
        return fail("failed", "cancelled", "cancelled by %s while starting" % stop,
                    EXIT_CANCELLED)
    except Exception as exc:  # start-up is magg's job: a failure here is a bug
        import traceback

        say(traceback.format_exc().rstrip("\n"))
        return fail("failed", "internal-error", "magg could not start: " + explain(exc),
                    EXIT_INTERNAL)
    return run()


sys.exit(main())
