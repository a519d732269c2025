"""./measure.d -> the sorted list of drivers to run."""

import collections
import os
import stat

from app import MaggError

DRIVER_DIR = "measure.d"

Driver = collections.namedtuple("Driver", "name path")


def discover(directory=DRIVER_DIR, itself=None):
    """Executable regular files (links followed), sorted by name.

    Directories, non-executables (measure.py, data files) and dangling
    links are skipped: only drivers carry the executable bit. itself, the
    path magg runs from, must not be among them: magg would start itself
    over and over.
    """
    where = os.path.abspath(directory)
    try:
        names = os.listdir(directory)
    except FileNotFoundError:
        raise MaggError("no driver directory: %s does not exist (current directory "
                        "%s); put the measure drivers in ./%s/"
                        % (where, os.getcwd(), DRIVER_DIR), reason="no-drivers")
    except OSError as err:
        raise MaggError("cannot list %s (current directory %s): %s"
                        % (where, os.getcwd(), err), reason="no-drivers")
    drivers = []
    for name in sorted(names):
        path = os.path.join(directory, name)
        try:
            info = os.stat(path)
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode) and os.access(path, os.X_OK):
            if itself is not None and same_file(info, itself):
                raise MaggError("%s is this aggregator itself (%s): it would start "
                                "itself without end; remove it from %s"
                                % (path, os.path.abspath(itself), where),
                                reason="no-drivers")
            drivers.append(Driver(name, path))
    if not drivers:
        raise MaggError("no driver in %s (current directory %s): a driver is an "
                        "executable file there" % (where, os.getcwd()),
                        reason="no-drivers")
    return drivers


def same_file(info, path):
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)
