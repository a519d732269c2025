"""Who measures, with which input, and when the measurement is overdue (pure).

A driver's input is the request's control with the shared part of
`userdata`, updated with its own override from
control.userdata.<driver>.control, plus the requested metrics it described,
in the request's own form (list or mapping). Works on the typed Request:
durations were parsed once, in request.py.

control.userdata, entry by entry:
- keyed by an installed driver's name: that driver's override, for it alone;
- shaped like an override (an object holding `control`) for a name that is
  not installed: named in unknown_overrides (a warning), passed to no one;
- anything else: shared, every driver gets it in control.userdata, under a
  driver override's own `userdata` (the override wins key by key).
Real drivers read shared keys (New Relic's `slo`, `slo_check`), so dropping
them would switch those checks off without a word.
"""

import copy

from app import messages
from app.runmodes import ALWAYS, NEVER, WHEN_REQUESTED
from app.records import record

Plan = record("Plan", "inputs seconds longest limit unowned unknown_overrides skipped "
                      "unused_userdata", doc="""What a measure round will do, decided
before anything starts.

inputs: {driver: the JSON object for its stdin}, for each driver that measures;
seconds: {driver: its warmup + duration + past}, for the same drivers;
longest: the largest of those; limit: longest + grace_period, or None
when grace_period is 0 (no limit);
unowned: requested metric names no driver describes, in request order;
unknown_overrides: userdata overrides addressed to no installed driver;
skipped: {driver: why it does not measure} (its run mode);
unused_userdata: userdata entries named after an installed driver that are
not overrides (no `control`), so no driver gets them.""")


def make_plan(request, names, descriptions, grace_period, modes=None):
    """The Plan for the installed drivers `names`.

    descriptions: {driver: set of metric names} from --describe, or None
    when --describe was skipped (the request named no metrics);
    modes: {driver: run mode}; a driver not in it runs always.
    """
    modes = modes or {}
    skipped = {}
    for name in names:
        why = skip_reason(request, modes.get(name, ALWAYS),
                          None if descriptions is None else descriptions.get(name))
        if why is not None:
            skipped[name] = why
    measuring = [name for name in names if name not in skipped]
    shared = shared_userdata(request, names)
    inputs = {name: driver_input(request, name, shared,
                                 None if descriptions is None else descriptions[name])
              for name in measuring}
    seconds = {name: measure_seconds(request, name) for name in measuring}
    longest = max(seconds.values()) if seconds else 0.0
    userdata = request.control.get("userdata")
    unused = sorted(name for name in names if isinstance(userdata, dict)
                    and name in userdata and name not in request.overrides)
    return Plan(inputs, seconds, longest,
                longest + grace_period if grace_period else None,
                unowned_metrics(request, descriptions),
                sorted(set(request.overrides) - set(names)), skipped, unused)


def skip_reason(request, mode, described):
    """Why a driver with this run mode does not measure this request, or None."""
    if mode == NEVER:
        return messages.skipped_never()
    if mode == WHEN_REQUESTED and not set(request.names) & (described or set()):
        return messages.skipped_not_requested()
    return None


def shared_userdata(request, names):
    """What every driver gets as control.userdata before its own override; None: nothing.

    names: every installed driver, those switched off included: an entry
    addressed to one is not meant for the others.
    """
    userdata = request.control.get("userdata")
    if not isinstance(userdata, dict):
        return userdata         # not entries: nothing to route, shared whole
    installed = set(names)
    shared = {key: value for key, value in userdata.items()
              if key not in installed and key not in request.overrides}
    return shared or None


def driver_control(request, name, shared):
    """The control one driver sees: shared keys, then its own override on top."""
    own = {key: value for key, value in request.control.items() if key != "userdata"}
    if shared is not None:
        own["userdata"] = shared
    override = request.overrides.get(name)
    if override is not None:
        for key, value in override.control.items():
            if (key == "userdata" and isinstance(value, dict)
                    and isinstance(own.get("userdata"), dict)):
                merged = dict(own["userdata"])
                merged.update(value)
                value = merged
            own[key] = value
    return copy.deepcopy(own)


def driver_input(request, name, shared, described):
    """The JSON object written to one driver's stdin.

    described: the metric names this driver's --describe returned, or None
    when --describe was skipped.
    """
    data = {"control": driver_control(request, name, shared)}
    if request.names and described is not None:
        if isinstance(request.metrics, dict):
            mine = {m: copy.deepcopy(v) for m, v in request.metrics.items()
                    if m in described}
        else:
            mine = [m for m in request.metrics if m in described]
        if mine:
            data["metrics"] = mine
    return data


def measure_seconds(request, name):
    """warmup + duration + past for one driver; past falls back to delay."""
    seconds = dict(request.seconds)
    override = request.overrides.get(name)
    if override is not None:
        seconds.update(override.seconds)
    past = seconds.get("past", seconds.get("delay", 0.0))
    return seconds.get("warmup", 0.0) + seconds.get("duration", 0.0) + past


def unowned_metrics(request, descriptions):
    """Requested metric names that no driver describes, in request order."""
    if not request.names or descriptions is None:
        return []
    owned = set()
    for metrics in descriptions.values():
        owned.update(metrics)
    return [m for m in request.names if m not in owned]
