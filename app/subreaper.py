"""Daemons a driver leaves behind come back to magg (Linux): the child subreaper.

A driver's child that leaves the driver's process group (setsid, a double
fork) is out of reach of the stop sequence's SIGKILL to the group. With
prctl(PR_SET_CHILD_SUBREAPER), such orphans are re-parented to magg instead
of init, so magg can find them among its own children and stop them when a
round is stopped (as tini -s and systemd do). Where prctl is not there
(another OS, a libc ctypes cannot load), magg cannot see them, and says so
nowhere but in the README: it works as before.
"""

import os
import signal

from app import signals
from app.events import Orphans

PR_SET_CHILD_SUBREAPER = 36     # linux/prctl.h


class Orphanage(object):
    """magg's children that are no run's: found, signalled, killed (the OS side of orphans.py)."""

    def __init__(self, reaper):
        self.reaper = reaper        # magg is a child subreaper: orphans come to it
        self.kept = set()           # children from before this round: not its orphans
        self.groups = set()         # orphans signalled as the leaders of their groups

    def new_round(self, known):
        if self.reaper:
            self.kept = children() - known

    def find(self, known):
        """Orphans(pids) of this round; known: the runs' and the watchdog's pids."""
        if not self.reaper:
            return Orphans([])
        return Orphans(sorted(children() - known - self.kept))

    def signal(self, pid, signum):
        if leads_own_group(pid):
            self.groups.add(pid)
            signals.send_group(pid, signum)
        else:
            signals.send(pid, signum)

    def kill(self, pid):
        if pid in self.groups:
            signals.kill_group(pid)
        signals.send(pid, signal.SIGKILL)


def become_subreaper():
    """True when magg is now a child subreaper."""
    try:
        import ctypes   # here only: about 2 ms, paid by measure alone
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (ImportError, OSError, AttributeError):
        return False


def children():
    """The pids of magg's own children, or an empty set when /proc cannot tell."""
    pid = os.getpid()
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as handle:
            return {int(p) for p in handle.read().split()}
    except OSError:
        return _children_by_scan(pid)


def _children_by_scan(parent):
    """The slow way, without CONFIG_PROC_CHILDREN: every /proc/PID/stat's parent."""
    found = set()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and fields[1] == str(parent):
            found.add(int(entry))
    return found


def leads_own_group(pid):
    """True when pid leads a process group that is not magg's: safe to kill as a group."""
    try:
        return os.getpgid(pid) == pid and pid != os.getpgrp()
    except OSError:
        return False
