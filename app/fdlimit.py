"""Enough file descriptors for a round of drivers, or a clear error."""

import resource

from app import MaggError

# Per driver run: our ends of its stdin, stdout and stderr pipes; plus the
# child's three ends while one driver is being started, and our own
# descriptors (std streams, wakeup pipe, watchdog, poll, imports).
FDS_PER_DRIVER = 3
FDS_RESERVED = 3 + 32


def ensure_fd_limit(runs, drivers=None):
    """Raise the soft RLIMIT_NOFILE toward the hard one when a round needs it.

    runs: the number of driver runs in one round; drivers: how many distinct
    drivers they are (--info and --describe run together, so that round has
    two runs per driver). The error counts drivers, as the operator does.
    """
    drivers = runs if drivers is None else drivers
    needed = runs * FDS_PER_DRIVER + FDS_RESERVED
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(hard, needed)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        target = soft
    if target < needed:
        raise MaggError(
            "%d drivers%s need %d file descriptors but the limit is %d (hard "
            "limit %s); raise it (ulimit -n) or use fewer drivers"
            % (drivers, "" if runs == drivers else
               " (%d runs at once: each driver's --info and --describe together)" % runs,
               needed, target, "unlimited" if hard == resource.RLIM_INFINITY else hard),
            reason="too-many-drivers")
