"""Entry point: `python3 -m app` and the shiv artifact's console script.

A stop signal must be answered at every moment, start-up included: until
the app's signal inbox takes over (signals.py), SIGTERM and SIGUSR1 end
the start with the usual cancel line (SIGINT does so as KeyboardInterrupt).
The artifact's own start-up (pyz/__main__.py) does the same while it
unpacks, before this module can be imported.
"""

import os
import signal
import sys

EXIT_CANCELLED = 3      # app.EXIT_CANCELLED, before app is imported


class Stopped(BaseException):
    """A stop signal before the app answers signals itself (BaseException: no
    `except Exception` of the app mistakes it for a bug)."""


def on_stop(signum, frame):
    raise Stopped(signal.Signals(signum).name)


def main():
    for signum in (signal.SIGTERM, signal.SIGUSR1):
        signal.signal(signum, on_stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1))
    try:
        from app.cli import run
        return run(sys.argv[1:])
    except (Stopped, KeyboardInterrupt) as stop:
        name = "SIGINT" if isinstance(stop, KeyboardInterrupt) else str(stop)
        line = '{"status": "failed", "reason": "cancelled", "message": "cancelled by %s ' \
               'while starting"}\n' % name
        try:
            os.write(1, line.encode("ascii"))
        except OSError:
            pass
        return EXIT_CANCELLED


if __name__ == "__main__":
    sys.exit(main())
