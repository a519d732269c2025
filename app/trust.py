"""Who may change what magg runs: measure.d and the file of each driver.

Drivers run as magg's user. Whoever can change a driver's file, replace it,
or add an executable to measure.d can run code as that user. As sshd's
StrictModes and cron check their files, a file or directory is trusted
only when:

- it is owned by magg's (effective) user or by root;
- it is not writable by other users;
- it is not writable by its group, unless that group is private to the
  owner: the owner is its only member, whether as primary group (pwd) or
  listed in /etc/group (grp). This is the rule of Debian's sshd, because
  user private groups with umask 002 are the default there; a group such as
  `users`, shared by every account, is not private.

A driver that is a symlink is checked where it leads (the file magg
executes), and so is the directory holding that file, since write access
there lets one replace it (unless the directory is sticky, like /tmp: then
only the file's owner can). The link itself has no permissions of its own;
replacing it needs write access to measure.d, which is checked. Other
directories above are not walked.

Nothing here refuses to run: the caller warns, and --check makes each doubt
a problem.
"""

import grp
import os
import pwd
import stat


def doubts(info, euid, accounts, sticky_ok=False):
    """Why someone other than euid and root could change the file of stat info (pure).

    A list of short reasons, empty when it is trusted. accounts: an
    Accounts (or a stand-in) for names and group members. sticky_ok: info
    is a directory holding a driver's target, where a sticky bit stops
    others from replacing files they do not own.
    """
    reasons = []
    if info.st_uid not in (euid, 0):
        reasons.append("owned by %s, not by magg's user %s or root"
                       % (accounts.user(info.st_uid), accounts.user(euid)))
    mode = info.st_mode
    if sticky_ok and mode & stat.S_ISVTX:
        return reasons
    if mode & stat.S_IWOTH:
        reasons.append("writable by every user (mode %04o)" % stat.S_IMODE(mode))
    elif mode & stat.S_IWGRP and accounts.members(info.st_gid) != {info.st_uid}:
        reasons.append("writable by group %s (mode %04o), which has members other "
                       "than its owner" % (accounts.group(info.st_gid), stat.S_IMODE(mode)))
    return reasons


class Accounts(object):
    """Names and group members from the system's user and group databases, cached.

    Looked up only for a file that is group-writable or owned by someone
    else: pwd.getpwall() can be slow where accounts come from a directory
    service.
    """

    def __init__(self):
        self._members = {}

    @staticmethod
    def user(uid):
        try:
            return "%s (uid %d)" % (pwd.getpwuid(uid).pw_name, uid)
        except KeyError:
            return "uid %d" % uid

    @staticmethod
    def group(gid):
        try:
            return "%s (gid %d)" % (grp.getgrgid(gid).gr_name, gid)
        except KeyError:
            return "gid %d" % gid

    def members(self, gid):
        """The uids in group gid; None (trusted by nobody) when it does not exist."""
        if gid not in self._members:
            self._members[gid] = self._lookup(gid)
        return self._members[gid]

    @staticmethod
    def _lookup(gid):
        try:
            group = grp.getgrgid(gid)
        except KeyError:
            return None
        uids = {p.pw_uid for p in pwd.getpwall() if p.pw_gid == gid}
        for name in group.gr_mem:
            try:
                uids.add(pwd.getpwnam(name).pw_uid)
            except KeyError:
                uids.add(None)      # a member with no account: someone else all the same
        return uids


def unsafe_paths(directory, dir_info, drivers, accounts=None, euid=None):
    """{path: why} for measure.d and each driver someone else could change.

    dir_info: os.stat of the directory; drivers: [(Driver, os.stat of what
    its path leads to, is_symlink)].
    """
    accounts = Accounts() if accounts is None else accounts
    euid = os.geteuid() if euid is None else euid
    found = {}
    reasons = doubts(dir_info, euid, accounts)
    if reasons:
        found[directory] = "; ".join(reasons)
    for driver, info, is_link in drivers:
        reasons = doubts(info, euid, accounts)
        if is_link:
            reasons = link_doubts(driver.path, reasons, euid, accounts)
        if reasons:
            found[driver.path] = "; ".join(reasons)
    return found


def link_doubts(path, reasons, euid, accounts):
    """The doubts of a symlinked driver: its target's and its target directory's."""
    target = os.path.realpath(path)
    where = os.path.dirname(target)
    reasons = ["its target %s is %s" % (target, r) for r in reasons]
    if where == os.path.realpath(os.path.dirname(path)):
        return reasons          # the target is in measure.d itself, checked already
    try:
        info = os.stat(where)
    except OSError:
        return reasons
    return reasons + ["the directory of its target, %s, is %s" % (where, r)
                      for r in doubts(info, euid, accounts, sticky_ok=True)]
