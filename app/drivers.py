"""./measure.d -> the sorted list of drivers, each with its run mode."""

import os
import stat

from app import MaggError
from app.records import record
from app.runmodes import ALWAYS, NEVER

DRIVER_DIR = "measure.d"


Driver = record("Driver", "name path run force_cancel", defaults=(ALWAYS, False),
                doc="""An installed driver: the executable measure.d/<name>, with its
settings from magg.drivers.<name> (run mode, force_cancel).""")


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
        raise no_drivers(directory, "a driver is an executable file there")
    return drivers


def no_drivers(directory, why):
    return MaggError("no driver in %s (current directory %s): %s"
                     % (os.path.abspath(directory), os.getcwd(), why),
                     reason="no-drivers")


def with_run_modes(drivers, configs, directory=DRIVER_DIR):
    """(drivers with their settings from config.yaml, names configured but not installed).

    configs: {name: config.DriverConfig} (magg.drivers.<name>). No driver
    left to run is the error of an empty measure.d.
    """
    installed = {d.name for d in drivers}
    drivers = [d._replace(run=configs[d.name].run, force_cancel=configs[d.name].force_cancel)
               if d.name in configs else d for d in drivers]
    if all(d.run == NEVER for d in drivers):
        raise no_drivers(directory, "every driver there is switched off with "
                                    "magg.drivers.<name>.run: never in config.yaml")
    return drivers, sorted(name for name in configs if name not in installed)


def same_file(info, path):
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)
