"""The measure request read from stdin, checked before any driver measures.

Everything here is pure: text in, a validated Request (or a bad-request
MaggError) out.
"""

import collections
import json
import re

from app import MaggError

DURATION_KEYS = ("duration", "warmup", "past", "delay")

# "90s", "5m", "1h30m", "1.5h", "250ms": units in decreasing order, each once.
_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?(?:(?P<ms>\d+(?:\.\d+)?)ms)?$")
_UNIT_SECONDS = (("h", 3600.0), ("m", 60.0), ("s", 1.0), ("ms", 0.001))

Request = collections.namedtuple("Request", "metrics names control")
Request.__doc__ = """metrics: the request's own list or mapping (None when absent);
names: the requested metric names in request order; control: a dict."""


def bad_request(message):
    return MaggError(message, status="bad-request", reason="bad-request")


def parse_duration(value, where):
    """Seconds as a float from a number, a numeric string or "1h30m"-style text.

    Booleans are refused although Python counts them as ints: `true` is
    never a duration an operator meant.
    """
    seconds = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            match = _DURATION_RE.match(text)
            if text and match:
                seconds = sum(float(match.group(unit)) * factor
                              for unit, factor in _UNIT_SECONDS
                              if match.group(unit))
    if seconds is None or seconds != seconds or seconds in (float("inf"),):
        raise bad_request("%s must be a number of seconds or a duration like "
                          "'90s', '5m', '1h30m', not %s" % (where, json.dumps(value)))
    if seconds < 0:
        raise bad_request("%s must not be negative, got %s" % (where, json.dumps(value)))
    return seconds


def check_durations(control, where):
    """Raise bad-request unless every duration key of control is valid."""
    for key in DURATION_KEYS:
        if key in control:
            parse_duration(control[key], "%s.%s" % (where, key))


def parse_request(text):
    """Validate the whole stdin text of a measure call."""
    if not text.strip():
        raise bad_request("empty request: the measure request must be a JSON "
                          "object on stdin")
    try:
        request = json.loads(text)
    except ValueError as err:
        raise bad_request("the request on stdin is not JSON: %s" % err)
    if not isinstance(request, dict):
        raise bad_request("the request must be a JSON object, got %s"
                          % type(request).__name__)
    metrics = request.get("metrics")
    if metrics is None:
        names = []
    elif isinstance(metrics, list):
        bad = [m for m in metrics if not isinstance(m, str)]
        if bad:
            raise bad_request("request.metrics must list metric names (strings), "
                              "got %s" % json.dumps(bad[0]))
        names = list(metrics)
    elif isinstance(metrics, dict):
        names = list(metrics)
    else:
        raise bad_request("request.metrics must be a list of names or a mapping, "
                          "got %s" % type(metrics).__name__)
    control = request.get("control")
    if control is None:
        control = {}
    if not isinstance(control, dict):
        raise bad_request("request.control must be an object, got %s"
                          % type(control).__name__)
    check_durations(control, "control")
    for name, override in driver_overrides(control).items():
        check_durations(override, "control.userdata.%s.control" % name)
    return Request(metrics, names, control)


def driver_overrides(control):
    """{driver name: its control override} from control.userdata.<name>.control.

    userdata is free-form, so entries that are not objects or have no
    `control` are not overrides; an override that is not an object is an
    error, since the operator clearly meant one.
    """
    userdata = control.get("userdata")
    if not isinstance(userdata, dict):
        return {}
    overrides = {}
    for name, entry in userdata.items():
        if isinstance(entry, dict) and "control" in entry:
            if not isinstance(entry["control"], dict):
                raise bad_request("control.userdata.%s.control must be an object, "
                                  "got %s" % (name, type(entry["control"]).__name__))
            overrides[name] = entry["control"]
    return overrides
