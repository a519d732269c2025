"""Every setting of a run, in one object: the `magg` section of ./config.yaml,
validated, and what the agent's environment says (OPTUNE_IO_TIMEOUT).

Other sections belong to other drivers: configfile.py reads the file,
yamlsection.py finds the `magg` block in it, and only that block is parsed
when that provably gives what parsing the whole file would (a 5 MB file of
Prometheus queries would otherwise cost seconds on every call). PyYAML is
imported only when the file can hold a `magg` key.
"""


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
    from app import configfile
    found = configfile.read(path)
    if found is None:
        return DEFAULTS
    data, start = found
    return read_config(data, start, path)


def config_error(path, message):
    return MaggError("%s: %s" % (path, message), reason="config")


def read_config(data, start=0, path=CONFIG_FILE):
    """Config from config.yaml's UTF-8 bytes (text from start): the `magg` block alone
    when yamlsection can prove that it is what a full parse gives, else the whole file."""
    from app import yamlsection
    found = yamlsection.find(data, start)
    if found is yamlsection.ABSENT:
        return DEFAULTS
    if found is not None:
        config = _from_block(data, start, found, path)
        if config is not None:
            return config
    return parse_config(data[start:].decode("utf-8", "replace"), path)


def _from_block(data, start, block, path):
    """Config from the block alone; None when only the whole file can say (any YAML
    error: a full parse names the same one, or an earlier one)."""
    import yaml
    from app import yamldoc, yamlsection
    text = data[block.begin:block.end].decode("utf-8", "replace")
    try:
        document = yamldoc.load(text, SECTION)
    except (yaml.YAMLError, ValueError):
        return None
    if yamlsection.anchored_elsewhere(data, start, block, document.anchors):
        return None
    if document.duplicate is not None:      # the file's line numbers, as a full parse says
        key, first, again = document.duplicate
        before = yamlsection.line_of(data, start, block.begin)
        document = document._replace(duplicate=(key, before + first, before + again))
    return _from_document(document, path)


def parse_config(text, path=CONFIG_FILE):
    """Config from the whole of config.yaml's text (a str)."""
    import yaml
    from app import yamldoc
    try:
        document = yamldoc.load(text, SECTION)
    except (yaml.YAMLError, ValueError) as err:
        # ValueError: what PyYAML's constructors let through, such as the date
        # 2001-02-30 or (Python 3.11+) an integer of more than 4300 digits.
        raise config_error(path, "invalid YAML: %s" % err)
    return _from_document(document, path)


def _from_document(document, path):
    from app.bounds import short_text
    if document.duplicate is not None:
        key, first, again = document.duplicate
        raise config_error(path, "%s is given twice (%s); YAML would keep only the last"
                           % (short_text(key), "line %d" % first if first == again
                              else "lines %d and %d" % (first, again)))
    if document.data is None:
        return DEFAULTS
    if not isinstance(document.data, dict):
        raise config_error(path, "the top level must be a mapping of sections")
    if document.data.get(SECTION) is None:
        return DEFAULTS
    return validate_section(document.data[SECTION], path)


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
    from app.bounds import short
    if not isinstance(value, bool):
        raise config_error(path, "%s must be true or false, got %s" % (where, short(value)))
    return value


def _byte_count(value, where, path):
    from app.bounds import short
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise config_error(path, "%s must be a whole number of bytes (0 or more), "
                                 "got %s" % (where, short(value)))
    return value


def _drivers(value, where, path):
    """{name: DriverConfig} from magg.drivers: {NAME: {run: MODE, force_cancel: B}}.

    null means none; an empty entry means the defaults.
    """
    from app.runmodes import ALWAYS, RUN_MODES
    from app.bounds import short
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
