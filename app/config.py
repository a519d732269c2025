"""Every setting of a run, in one object: the `magg` section of ./config.yaml,
validated, and what the agent's environment says (OPTUNE_IO_TIMEOUT).

Other sections belong to other drivers and are not looked at. PyYAML is
imported only when the file can hold a `magg` key: it is the slowest part of
start-up and most servo directories configure nothing here.
"""

import re

from app import MaggError
from app.records import record

CONFIG_FILE = "config.yaml"
SECTION = "magg"

Config = record("Config", "grace_period force_cancel cleanup_grace_period "
                          "progress_interval stderr_limit drivers")
# drivers: {driver name: its DriverConfig} from magg.drivers.<name>; never
# mutated, so one dict can be the default of every Config.
DEFAULTS = Config(grace_period=0.0, force_cancel=False, cleanup_grace_period=300.0,
                  progress_interval=1.0, stderr_limit=4 * 1024 * 1024, drivers={})

DriverConfig = record("DriverConfig", "run force_cancel", doc="""magg.drivers.<name>.

run: its run mode (drivers.RUN_MODES); force_cancel: it cannot cancel, but
may be stopped (SIGTERM, then SIGKILL of its group) when another driver
fails, so it counts as cancel-capable.""")
DRIVER_KEYS = DriverConfig._fields

_MENTIONS_SECTION = re.compile(r"\bmagg\b")

# Seconds between progress lines when no driver reports anything.
HEARTBEAT = 30.0
# An OPTUNE_IO_TIMEOUT of 5e-324 s would make magg wake up without pause;
# no agent can read a line that fast anyway.
SHORTEST_IO_LIMIT = 0.05

Settings = record("Settings", " ".join(Config._fields) + " io_limit heartbeat warnings",
                  doc="""The config keys, plus from the environment:

io_limit: seconds a driver may stay silent on stdout before it is hung (or
None); heartbeat: the longest time between two progress lines; warnings:
texts for stderr about settings that were ignored.""")


def load_settings(environ, path=CONFIG_FILE):
    """Settings from config.yaml and the environment, read once per run."""
    config = load_config(path)
    io_limit, heartbeat, warnings = io_timeout(environ.get("OPTUNE_IO_TIMEOUT", ""))
    return Settings(*config, io_limit=io_limit, heartbeat=heartbeat, warnings=warnings)


def io_timeout(text):
    """(silence limit, heartbeat, warnings) from OPTUNE_IO_TIMEOUT, as the agent reads it.

    The agent kills a driver silent for that many seconds, so a driver is
    hung one second before, and magg speaks at least every half of it.
    """
    from app import messages
    text = text.strip()
    try:
        seconds = float(text) if text else 0.0
    except ValueError:
        seconds = float("nan")
    if seconds != seconds:      # NaN would compare false with every deadline: no timer fires
        return None, HEARTBEAT, (messages.bad_io_timeout(text),)
    if seconds <= 0 or seconds == float("inf"):
        return None, HEARTBEAT, ()
    limit = seconds - 1 if seconds > 2 else seconds / 2
    return (max(limit, SHORTEST_IO_LIMIT),
            max(min(HEARTBEAT, seconds / 2), SHORTEST_IO_LIMIT), ())


def load_config(path=CONFIG_FILE):
    """Config from the file at path; the defaults when it or the section is absent."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        return DEFAULTS
    except OSError as err:
        raise config_error(path, "cannot be read: %s" % err)
    text = raw.decode("utf-8", "replace")
    if not _MENTIONS_SECTION.search(text):
        return DEFAULTS
    return parse_config(text, path)


def config_error(path, message):
    return MaggError("%s: %s" % (path, message), reason="config")


def parse_config(text, path=CONFIG_FILE):
    import yaml
    try:
        document = yaml.load(text, Loader=_bounded_loader())
    except (yaml.YAMLError, ValueError) as err:
        # ValueError: what PyYAML's constructors let through, such as the date
        # 2001-02-30 or (Python 3.11+) an integer of more than 4300 digits.
        raise config_error(path, "invalid YAML: %s" % err)
    if document is None:
        return DEFAULTS
    if not isinstance(document, dict):
        raise config_error(path, "the top level must be a mapping of sections")
    if document.get(SECTION) is None:
        return DEFAULTS
    return validate_section(document[SECTION], path)


def _bounded_loader():
    """yaml.SafeLoader, refusing collections nested more than MAX_DEPTH levels.

    PyYAML composes nodes recursively: "[" * 100000 would end in a
    RecursionError. Only composition is changed, so it is as safe as safe_load.
    """
    import yaml
    from yaml.composer import ComposerError
    from app.bounds import MAX_DEPTH

    class BoundedLoader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent, index):
            nests = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
            if nests and self.depth >= MAX_DEPTH:
                raise ComposerError(None, None, "nested more than %d levels deep"
                                    % MAX_DEPTH, self.peek_event().start_mark)
            self.depth += nests
            try:
                return yaml.SafeLoader.compose_node(self, parent, index)
            finally:
                self.depth -= nests

    return BoundedLoader


def validate_section(section, path=CONFIG_FILE):
    """Config from the `magg` mapping; names the key of every mistake."""
    if not isinstance(section, dict):
        raise config_error(path, "%s must be a mapping, got %s"
                           % (SECTION, type(section).__name__))
    unknown = sorted(str(k) for k in section if k not in Config._fields)
    if unknown:
        raise config_error(path, "unknown key %s under %s (known: %s)" % (
            ", ".join("%s.%s" % (SECTION, k) for k in unknown), SECTION,
            ", ".join(Config._fields)))
    values = DEFAULTS._asdict()
    for key, value in section.items():
        values[key] = _PARSERS[key](value, "%s.%s" % (SECTION, key), path)
    return Config(**values)


def _seconds(value, where, path):
    from app.request import parse_duration
    try:
        return parse_duration(value, where)
    except MaggError as err:
        raise config_error(path, err.message)


def _boolean(value, where, path):
    from app.messages import short
    if not isinstance(value, bool):
        raise config_error(path, "%s must be true or false, got %s" % (where, short(value)))
    return value


def _byte_count(value, where, path):
    from app.messages import short
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise config_error(path, "%s must be a whole number of bytes (0 or more), "
                                 "got %s" % (where, short(value)))
    return value


def _drivers(value, where, path):
    """{name: DriverConfig} from magg.drivers: {NAME: {run: MODE, force_cancel: B}}.

    null means none; an empty entry means the defaults.
    """
    from app.runmodes import ALWAYS, RUN_MODES
    from app.messages import short
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise config_error(path, "%s must be a mapping of driver names to their "
                                 "settings, got %s" % (where, short(value)))
    found = {}
    for name, entry in value.items():
        here = "%s.%s" % (where, name)
        entry = {} if entry is None else entry
        if not isinstance(entry, dict):
            raise config_error(path, "%s must be a mapping (run: ..., force_cancel: ...), "
                                     "got %s" % (here, short(entry)))
        unknown = sorted(str(k) for k in entry if k not in DRIVER_KEYS)
        if unknown:
            raise config_error(path, "unknown key %s (known: %s)" % (", ".join(
                "%s.%s" % (here, k) for k in unknown), ", ".join(DRIVER_KEYS)))
        mode = entry.get("run", ALWAYS)
        if mode not in RUN_MODES:
            raise config_error(path, "%s.run must be one of %s, got %s"
                               % (here, ", ".join(RUN_MODES), short(mode)))
        force = _boolean(entry.get("force_cancel", False), here + ".force_cancel", path)
        found[str(name)] = DriverConfig(mode, force)
    return found


_PARSERS = {"grace_period": _seconds, "force_cancel": _boolean,
            "cleanup_grace_period": _seconds, "progress_interval": _seconds,
            "stderr_limit": _byte_count, "drivers": _drivers}
