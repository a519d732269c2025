"""magg's own stdin, stdout and stderr."""

import json
import os
import sys


def ensure_std_fds():
    """Open /dev/null on a closed fd 0, 1 or 2.

    Pipes would otherwise get those numbers, and a driver would be handed
    the wrong stream.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def emit(obj):
    """One JSON line on stdout."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def write_stderr(data):
    """Pass bytes on to stderr; a closed stderr must not stop the aggregator."""
    view = memoryview(data)
    while len(view):
        try:
            view = view[os.write(2, view):]
        except InterruptedError:
            continue
        except OSError:
            return
