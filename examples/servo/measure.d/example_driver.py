"""Shared code of the example drivers (what measure.py is to real drivers).

Not executable, so the aggregator does not take it for a driver; the drivers
import it from their own directory. Python 3.6+, stdlib only (PyYAML is used
for ./config.yaml when it is installed, a tiny fallback parser otherwise).
"""

import json
import os
import re
import signal
import sys
import time

DURATION_KEYS = ("warmup", "duration", "past")
DURATION_RE = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


def emit(obj):
    """One JSON object per stdout line, flushed so the reader sees it now."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def log(name, text):
    sys.stderr.write("%s: %s\n" % (name, text))
    sys.stderr.flush()


def fail(status, message, reason, code):
    emit({"status": status, "message": message, "reason": reason})
    sys.exit(code)


def config_section(section):
    """The `section` mapping of ./config.yaml ({} when absent)."""
    try:
        with open("config.yaml") as f:
            text = f.read()
    except OSError:
        return {}
    try:
        import yaml
    except ImportError:
        data = _parse_simple_yaml(text)
    else:
        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            fail("failed", "config.yaml: %s" % e, "config", 1)
    value = data.get(section) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _scalar(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text.lower() in ("true", "yes"):
        return True
    if text.lower() in ("false", "no"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _parse_simple_yaml(text):
    """Enough YAML for these examples: top-level sections of `key: scalar` lines."""
    data, section = {}, None
    for line in text.splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).rstrip()
        if not line.strip() or ":" not in line:
            continue
        key, _, value = line.strip().partition(":")
        if not line[0].isspace():
            section = data.setdefault(key, {}) if not value.strip() else None
            if value.strip():
                data[key] = _scalar(value)
        elif section is not None and value.strip():
            section[key] = _scalar(value)
    return data


def seconds(value):
    """A control duration: a number, or a string like "90", "90s", "1m30s"."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = DURATION_RE.match(str(value).strip())
    if not match or not any(match.groups()):
        raise ValueError("not a duration: %r" % (value,))
    h, m, s = (float(g or 0) for g in match.groups())
    return h * 3600 + m * 60 + s


def read_request(name):
    """The measure request from stdin, with control durations as seconds."""
    try:
        request = json.loads(sys.stdin.read() or "{}")
        control = request.get("control") or {}
        durations = dict((k, seconds(control.get(k, 0))) for k in DURATION_KEYS)
        if "delay" in control and "past" not in control:
            durations["past"] = seconds(control["delay"])
    except (ValueError, AttributeError) as e:
        fail("bad-request", "%s: %s" % (name, e), "bad-request", 1)
    metrics = request.get("metrics") or []
    return list(metrics), control, durations


def wait(seconds_total, message, every=1.0):
    """Sleep, printing a progress line every `every` seconds."""
    start = time.time()
    while True:
        elapsed = time.time() - start
        if elapsed >= seconds_total:
            return
        time.sleep(min(every, seconds_total - elapsed))
        elapsed = time.time() - start
        if elapsed < seconds_total:
            emit({"progress": int(100 * elapsed / seconds_total),
                  "message": message(seconds_total - elapsed)})


def run(name, version, describe, measure):
    """The command line every driver shares: --info, --describe APP_ID, APP_ID.

    describe() returns {metric: attributes}; measure(app_id, metrics, control,
    durations) returns (metrics, annotations).
    """
    args = sys.argv[1:]
    if args[:1] == ["--info"]:
        emit({"has_cancel": True, "version": version})
        return 0
    if args[:1] == ["--describe"]:
        emit({"status": "ok", "metrics": describe()})
        return 0
    if len(args) != 1 or args[0].startswith("-"):
        log(name, "usage: %s [--info] [--describe] APP_ID" % os.path.basename(sys.argv[0]))
        return 2

    def cancel(signum, frame):
        log(name, "got SIGUSR1: canceling")
        emit({"status": "failed", "message": "%s: measurement canceled" % name,
              "reason": "canceled"})
        os._exit(3)

    signal.signal(signal.SIGUSR1, cancel)
    metrics, control, durations = read_request(name)
    values, annotations = measure(args[0], metrics, control, durations)
    result = {"status": "ok", "metrics": values}
    if annotations:
        result["annotations"] = annotations
    emit(result)
    return 0
