"""The measure request read from stdin, checked and typed before any driver measures.

Everything here is pure: text in, a Request (or a bad-request MaggError)
out. Durations are parsed here, once; plan.py only adds numbers.
"""

import re

from app import MaggError
from app.bounds import OutOfBounds, loads
from app.bounds import short, short_text
from app.records import record

DURATION_KEYS = ("duration", "warmup", "past", "delay")

# "90s", "5m", "1h30m", "1.5h", "250ms": units in decreasing order, each once.
_DURATION_RE = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m(?!s))?"
    r"(?:(?P<s>\d+(?:\.\d+)?)s)?(?:(?P<ms>\d+(?:\.\d+)?)ms)?$")
_UNIT_SECONDS = (("h", 3600.0), ("m", 60.0), ("s", 1.0), ("ms", 0.001))
# The longest duration magg accepts (about 31,700 years): longer is no time
# anyone waits for, and below it every sum of durations is a finite number.
MAX_SECONDS = 1e12

Request = record("Request", "metrics names control seconds overrides", doc="""A valid
measure request.

metrics: the request's own list or mapping (None when absent);
names: the requested metric names in request order;
control: the request's control object, untouched (a dict);
seconds: {duration key: seconds} for the duration keys control holds;
overrides: {name: Override} for each control.userdata entry shaped like a
driver override (an object holding `control`).""")

Override = record("Override", "control seconds",
                  doc="""control.userdata.<name>.control, and its durations in seconds.""")


def bad_request(message):
    return MaggError(message, status="bad-request", reason="bad-request")


def parse_duration(value, where):
    """Seconds as a float from a number, a numeric string or "1h30m"-style text.

    Booleans are refused although Python counts them as ints: `true` is
    never a duration an operator meant. NaN and infinities are not a number
    of seconds; an integer too large for a float reads as infinite.
    """
    seconds = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:
            seconds = float("inf") if value > 0 else float("-inf")
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
    if seconds is None or seconds != seconds:
        raise bad_request("%s must be a number of seconds or a duration like "
                          "'90s', '5m', '1h30m', not %s" % (where, short(value)))
    if seconds < 0:
        raise bad_request("%s must not be negative, got %s" % (where, short(value)))
    if seconds > MAX_SECONDS:
        raise bad_request("%s must be at most %g seconds, got %s"
                          % (where, MAX_SECONDS, short(value)))
    return seconds


def durations(control, where):
    """{key: seconds} for the duration keys of control; bad-request if one is invalid."""
    return {key: parse_duration(control[key], "%s.%s" % (where, key))
            for key in DURATION_KEYS if key in control}


def parse_request(text):
    """Validate the whole stdin text of a measure call into a Request."""
    if not text.strip():
        raise bad_request("empty request: the measure request must be a JSON "
                          "object on stdin")
    try:
        request = loads(text)
    except OutOfBounds as err:
        raise bad_request("the request on stdin %s" % err)
    except ValueError as err:
        raise bad_request("the request on stdin is not JSON: %s" % err)
    if not isinstance(request, dict):
        raise bad_request("the request must be a JSON object, got %s"
                          % type(request).__name__)
    metrics = request.get("metrics")
    names = metric_names(metrics)
    control = request.get("control")
    if control is None:
        control = {}
    if not isinstance(control, dict):
        raise bad_request("request.control must be an object, got %s"
                          % type(control).__name__)
    return Request(metrics, names, control,
                   durations(control, "control"), overrides(control))


def metric_names(metrics):
    """The requested names, in request order, from a list or a mapping."""
    if metrics is None:
        return []
    if isinstance(metrics, list):
        bad = [m for m in metrics if not isinstance(m, str)]
        if bad:
            raise bad_request("request.metrics must list metric names (strings), "
                              "got %s" % short(bad[0]))
        return list(metrics)
    if isinstance(metrics, dict):
        return list(metrics)
    raise bad_request("request.metrics must be a list of names or a mapping, "
                      "got %s" % type(metrics).__name__)


def overrides(control):
    """{name: Override} from the entries of control.userdata shaped like one.

    userdata is free-form, so entries that are not objects or have no
    `control` are not overrides; an override that is not an object is an
    error, since the operator clearly meant one.
    """
    userdata = control.get("userdata")
    if not isinstance(userdata, dict):
        return {}
    found = {}
    for name, entry in userdata.items():
        if isinstance(entry, dict) and "control" in entry:
            where = "control.userdata.%s.control" % short_text(name)
            if not isinstance(entry["control"], dict):
                raise bad_request("%s must be an object, got %s"
                                  % (where, type(entry["control"]).__name__))
            found[name] = Override(entry["control"], durations(entry["control"], where))
    return found
