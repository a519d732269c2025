"""Cancels every driver as the agent would if magg dies without saying so (SIGKILL, OOM).

A tiny `sh` holds the other end of a pipe only magg writes to. magg tells
it how to cancel each driver group it starts (`add PGID cancel` for a
driver whose --info said has_cancel: true, `add PGID kill` otherwise) and
forgets each one it reaps (`del PGID`). On end of file without `end`
(magg is gone), it sends what the agent sends a driver it runs alone:
SIGUSR1 to each `cancel` driver, SIGKILL to each `kill` group. A driver
that got SIGUSR1 has cleanup_grace_period to exit; then what is left of
its group gets SIGKILL, as in magg's own stop sequence (stopping.py), and
the watchdog exits once no group it signalled is left.

This works on every POSIX system, unlike Linux's parent-death signal,
catches grandchildren too, and keeps the fast spawn path (no preexec_fn).
Its stdin is magg's private pipe and its stdout and stderr are /dev/null:
it holds nothing of the agent's, so the agent sees end of file on magg's
stdout and stderr, and magg's exit, as soon as magg dies.
"""

import math
import os

NAME = "magg-watchdog"      # its $0: what ps shows after the script

# $1: cleanup_grace_period in centiseconds (integer; sh arithmetic is 64-bit
# in dash, bash and busybox, and 1e12 s is 1e14 cs).
#
# Messages cost O(1) each: a group's kind is the variable magg_how_PGID, and
# every group ever added is on a list linked through magg_next_PGID (a pid
# added again after del is already on it). dash reads its stdin a byte at
# a time: about 10 us a message here, 3000 adds and dels in a 1000-driver
# measurement, while magg goes on.
#
# Time: /proc/uptime (Linux) is read by the builtin `read`, no fork; without
# it, the naps are added up, which can only make the final SIGKILL late,
# never early. Naps grow from 10 ms to 250 ms (a driver that obeys SIGUSR1
# usually exits within tens of ms) and never overshoot the grace. `sleep`
# takes fractions in GNU coreutils, busybox and the BSDs; one that takes
# only whole seconds (POSIX) gets 1 s naps; with no working `sleep` at all
# there is no way to wait, and what is left is killed at once.
#
# A zombie counts as alive for `kill -0`, and a driver re-parented to an
# init that is slow to reap stays one: a leader that is a zombie (state Z
# in /proc/PID/stat) has exited. Without /proc the grace still ends the wait.
_SCRIPT = r"""
IFS=' ' grace=$1 last= whole= t=0 slept=0
# what magg says, until it says end or is gone
while read -r cmd pg how; do
  case $cmd in
    end) exit 0 ;;
    add|del) case $pg in ''|*[!0-9]*) continue ;; esac ;;
    *) continue ;;
  esac
  if [ "$cmd" = del ]; then unset "magg_how_$pg"; continue; fi
  case $how in cancel|kill) ;; *) continue ;; esac
  eval "magg_how_$pg=\$how
        case \${magg_next_$pg+listed} in '') magg_next_$pg=\$last last=$pg ;; esac"
done

clock() {
  if read -r up rest < /proc/uptime; then
    case $up in
      *[!0-9.]*|*.*.*) ;;
      [0-9]*.[0-9][0-9]) t=$(( ${up%.*} * 100 + 1${up#*.} - 100 )); return ;;
    esac
  fi
  t=$((t + slept))
}

pause() {
  if [ -z "$whole" ] &&
     sleep "$(($1 / 100)).$(($1 % 100 / 10))$(($1 % 10))" 2>/dev/null; then
    slept=$1
  elif sleep 1 2>/dev/null; then
    whole=yes slept=100
  else
    return 1
  fi
}

leader_exited() {
  kill -s 0 "$1" 2>/dev/null || return 0
  state=
  { read -r state < "/proc/$1/stat"; } 2>/dev/null
  state=${state##*") "}
  case $state in Z*|X*) return 0 ;; esac
  return 1
}

# magg is gone: the agent's cancel to each group it did not forget
waiting= pg=$last
while [ -n "$pg" ]; do
  eval "how=\${magg_how_$pg-} next=\$magg_next_$pg"
  if [ -n "$how" ] && kill -s 0 -- "-$pg" 2>/dev/null; then
    if [ "$how" = cancel ]; then
      kill -s USR1 "$pg" 2>/dev/null
      waiting="$waiting $pg"
    else
      kill -s KILL -- "-$pg" 2>/dev/null
    fi
  fi
  pg=$next
done
[ -n "$waiting" ] || exit 0

# the grace: each SIGUSR1 driver's group is killed once it has exited, or at the end
clock
deadline=$((t + grace + 1)) nap=1
while [ "$t" -lt "$deadline" ]; do
  step=$((deadline - t))
  [ "$nap" -lt "$step" ] && step=$nap
  pause "$step" || break
  clock
  left=
  for pg in $waiting; do
    if ! kill -s 0 -- "-$pg" 2>/dev/null; then
      :
    elif leader_exited "$pg"; then
      kill -s KILL -- "-$pg" 2>/dev/null
    else
      left="$left $pg"
    fi
  done
  waiting=$left
  [ -n "$waiting" ] || exit 0
  nap=$((nap * 2))
  [ "$nap" -le 25 ] || nap=25
done
for pg in $waiting; do kill -s KILL -- "-$pg" 2>/dev/null; done
exit 0
"""


def centiseconds(seconds):
    """The grace for the script: whole centiseconds, rounded up (never early).

    round() first, so that 0.3 s (30.000000000000004 cs) is 30, not 31.
    """
    return max(0, int(math.ceil(round(seconds * 100, 6))))


class Watchdog(object):
    """The watchdog process and the pipe to it.

    Messages are queued and written by flush(), once per batch of spawns
    or loop pass, not once per driver.
    """

    def __init__(self, spawner, grace):
        """grace: cleanup_grace_period, seconds (a float up to 1e12)."""
        read_end, self._write_end = os.pipe()
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            self.pid = spawner.start(
                ["/bin/sh", "-c", _SCRIPT, NAME, "%d" % centiseconds(grace)],
                read_end, null, null)
        finally:
            os.close(read_end)
            os.close(null)
        self._queue = []

    def add(self, pgid, has_cancel):
        """has_cancel: what the driver's --info said, however magg stops it itself."""
        self._queue.append("add %d %s\n" % (pgid, "cancel" if has_cancel else "kill"))

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
        """normal: nothing left to cancel; otherwise let it cancel what it knows."""
        if self._write_end is not None:
            if normal:
                self._queue.append("end\n")
            self.flush()
            os.close(self._write_end)
            self._write_end = None
