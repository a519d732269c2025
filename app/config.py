"""The `magg` section of ./config.yaml, validated.

Other sections belong to other drivers and are not looked at. PyYAML is
imported only when the file can hold a `magg` key: it is the slowest part of
start-up and most servo directories configure nothing here.
"""

import collections
import re

from app import MaggError

CONFIG_FILE = "config.yaml"
SECTION = "magg"

Config = collections.namedtuple(
    "Config", "grace_period force_cancel cleanup_grace_period")
DEFAULTS = Config(grace_period=0.0, force_cancel=False, cleanup_grace_period=300.0)

_MENTIONS_SECTION = re.compile(r"\bmagg\b")


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
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise config_error(path, "invalid YAML: %s" % err)
    if document is None:
        return DEFAULTS
    if not isinstance(document, dict):
        raise config_error(path, "the top level must be a mapping of sections")
    if document.get(SECTION) is None:
        return DEFAULTS
    return validate_section(document[SECTION], path)


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
        where = "%s.%s" % (SECTION, key)
        if key == "force_cancel":
            if not isinstance(value, bool):
                raise config_error(path, "%s must be true or false, got %r"
                                   % (where, value))
            values[key] = value
        else:
            values[key] = _seconds(value, where, path)
    return Config(**values)


def _seconds(value, where, path):
    from app.request import parse_duration
    try:
        return parse_duration(value, where)
    except MaggError as err:
        raise config_error(path, err.message)
