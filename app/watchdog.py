"""Kills every driver group if magg dies without saying so, even by SIGKILL.

A tiny `sh` holds the other end of a pipe only magg writes to: on end of
file it kills every driver group it was told about. This works on every
POSIX system, unlike Linux's parent-death signal, catches grandchildren
too, and keeps the fast spawn path (no preexec_fn).
"""

import os

# add PGID / del PGID / end. On end of file (the aggregator is gone) kill
# every group added and not deleted since. Each message costs O(1); the
# set difference is computed once, at the end. A pid reused by a later
# driver leaves the deleted list again when it is added.
_SCRIPT = r"""
adds=' ' dels=' '
while read -r cmd pg; do
  case $cmd in
    add) adds="$adds$pg "
         case $dels in *" $pg "*) dels="${dels%% $pg *} ${dels#* $pg }" ;; esac ;;
    del) dels="$dels$pg " ;;
    end) exit 0 ;;
  esac
done
for pg in $adds; do
  case $dels in *" $pg "*) ;; *) kill -9 -$pg 2>/dev/null ;; esac
done
"""


class Watchdog(object):
    """The watchdog process and the pipe to it.

    Messages are queued and written by flush(), once per batch of spawns
    or loop pass, not once per driver.
    """

    def __init__(self, spawner):
        read_end, self._write_end = os.pipe()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            self.pid = spawner.start(["/bin/sh", "-c", _SCRIPT], read_end, null, null)
        finally:
            os.close(read_end)
            os.close(null)
        self._queue = []

    def add(self, pgid):
        self._queue.append("add %d\n" % pgid)

    def forget(self, pgid):
        self._queue.append("del %d\n" % pgid)

    def flush(self):
        if self._queue and self._write_end is not None:
            data = "".join(self._queue).encode("ascii")
            del self._queue[:]
            try:
                while data:
                    data = data[os.write(self._write_end, data):]
            except OSError:
                pass    # the watchdog is gone; the aggregator stops drivers itself

    def close(self, normal=True):
        """normal: nothing left to kill; otherwise let it kill what it knows."""
        if self._write_end is not None:
            if normal:
                self._queue.append("end\n")
            self.flush()
            os.close(self._write_end)
            self._write_end = None
