"""./measure.d -> the sorted list of drivers, each with its run mode."""

import collections
import os
import re
import stat

from app import MaggError, messages, trust
from app.records import record
from app.runmodes import ALWAYS, NEVER

DRIVER_DIR = "measure.d"

Driver = record("Driver", "name path run force_cancel", defaults=(ALWAYS, False),
                doc="""An installed driver: the executable measure.d/<name>, with its
settings from magg.drivers.<name> (run mode, force_cancel).""")

Discovery = record("Discovery", "drivers ignored unsafe", doc="""What ./measure.d holds.

drivers: the Drivers, sorted by name;
ignored: {file name: why}, the executables that are not drivers (leftovers);
unsafe: {path: why}, measure.d and the drivers someone other than magg's
user or root could change (trust.py).""")

# Executables whose names editors, patch, version control and package
# managers leave beside a file are not drivers: run-parts, cron.d and
# sudoers.d skip them too. Refusing only these (not, as run-parts does,
# every name outside [A-Za-z0-9_-]) keeps measure-prom.py or prom.v2 a
# driver, as it has always been. See README, "Discovery".
_LEFTOVER_SUFFIXES = [
    (re.compile(r"\.(dpkg|ucf)-[a-z]+\Z|\.(rpm|pac)(new|save|orig)\Z|\.apk-new\Z", re.I),
     "a package manager's leftover: its name ends with %s"),
    (re.compile(r"\.(bak|backup|old|orig|rej|new|save|tmp|temp|swp|swo|swn)\Z", re.I),
     "a backup or temporary copy: its name ends with %s"),
    (re.compile(r"\.disabled\Z", re.I), "switched off by its name, which ends with %s"),
    (re.compile(r",v\Z"), "a version-control file: its name ends with %s"),
]


# Every leftover's name holds one of these; most drivers' names none.
_LEFTOVER_MARKS = frozenset(".~#,")


def not_a_driver(name):
    """Why an executable called name is not a driver, or None when it is one (pure)."""
    if _LEFTOVER_MARKS.isdisjoint(name):
        return None
    if name.startswith("."):
        return "hidden: its name starts with ."
    if name.endswith("~"):
        return "an editor's backup: its name ends with ~"
    if name.startswith("#"):
        return "an editor's auto-save file: its name starts with #"
    for pattern, why in _LEFTOVER_SUFFIXES:
        found = pattern.search(name)
        if found:
            return why % found.group(0)
    return None


def discover(directory=DRIVER_DIR, itself=None):
    """The Discovery of directory: executable regular files (links followed), by name.

    Directories, non-executables (measure.py, data files) and dangling
    links are skipped silently: only drivers carry the executable bit. An
    executable whose name is a leftover's is skipped and named in ignored.
    itself, the path magg runs from, must not be among the drivers: magg
    would start itself over and over.
    """
    here()      # the current directory must still exist
    where = os.path.abspath(directory)
    try:
        dir_info = os.stat(directory)
        with os.scandir(directory) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except FileNotFoundError:
        raise MaggError("no driver directory: %s does not exist (current directory "
                        "%s); put the measure drivers in ./%s/"
                        % (where, os.getcwd(), DRIVER_DIR), reason="no-drivers")
    except OSError as err:
        raise MaggError("cannot list %s (current directory %s): %s"
                        % (where, os.getcwd(), err), reason="no-drivers")
    drivers, ignored, checked = [], collections.OrderedDict(), []
    for entry in entries:
        path = os.path.join(directory, entry.name)
        try:
            info = entry.stat()
        except OSError:
            continue
        if not (stat.S_ISREG(info.st_mode) and os.access(path, os.X_OK)):
            continue
        why = not_a_driver(entry.name)
        if why is not None:
            ignored[entry.name] = why
            continue
        if itself is not None and same_file(info, itself):
            raise MaggError("%s is this aggregator itself (%s): it would start "
                            "itself without end; remove it from %s"
                            % (path, os.path.abspath(itself), where), reason="no-drivers")
        drivers.append(Driver(entry.name, path))
        checked.append((drivers[-1], info, entry.is_symlink()))
    if not drivers:
        raise no_drivers(directory, "a driver is an executable file there", ignored)
    return Discovery(drivers, ignored, trust.unsafe_paths(directory, dir_info, checked))


def here():
    """The current directory; an error saying so when it was deleted under magg.

    The agent's working directory can be removed while it runs (a servo
    directory replaced by a new deploy): every relative path magg and its
    drivers use then fails.
    """
    try:
        return os.getcwd()
    except OSError as err:
        raise MaggError("the current directory no longer exists (%s): it was removed "
                        "after the agent started in it; magg reads ./%s and ./config.yaml "
                        "from it. Restart the agent in the servo directory"
                        % (err.strerror or err, DRIVER_DIR), reason="no-drivers")


def no_drivers(directory, why, ignored=None):
    text = "no driver in %s (current directory %s): %s" % (
        os.path.abspath(directory), os.getcwd(), why)
    if ignored:
        text += "; %s" % messages.not_drivers(ignored)
    return MaggError(text, reason="no-drivers")


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


def configure(found, configs, directory=DRIVER_DIR):
    """with_run_modes() for a Discovery: (the Discovery configured, unknown names).

    A switched-off driver never runs, so who may change its file is no
    one's concern: its doubt is dropped.
    """
    drivers, unknown = with_run_modes(found.drivers, configs, directory)
    never = {d.path for d in drivers if d.run == NEVER}
    unsafe = collections.OrderedDict(
        (path, why) for path, why in found.unsafe.items() if path not in never)
    return found._replace(drivers=drivers, unsafe=unsafe), unknown


def warnings(found):
    """The stderr warnings a Discovery calls for: one for every ignored file, one per doubt."""
    texts = [messages.not_drivers(found.ignored)] if found.ignored else []
    return texts + [messages.unsafe(path, why) for path, why in found.unsafe.items()]


def same_file(info, path):
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)
