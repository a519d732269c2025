"""Who gets which input, and when the measurement is overdue (pure).

A driver's input is the request's control without `userdata`, updated with
its own override from control.userdata.<driver>.control, plus the requested
metrics it described, in the request's own form (list or mapping). Works
on the typed Request: durations were parsed once, in request.py.
"""

import collections
import copy

Plan = collections.namedtuple(
    "Plan", "inputs seconds longest limit unowned unknown_overrides")
Plan.__doc__ = """What a measure round will do, decided before anything starts.

inputs: {driver: the JSON object for its stdin};
seconds: {driver: its warmup + duration + past};
longest: the largest of those; limit: longest + grace_period, or None
when grace_period is 0 (no limit);
unowned: requested metric names no driver describes, in request order;
unknown_overrides: userdata overrides addressed to no installed driver."""


def make_plan(request, names, descriptions, grace_period):
    """The Plan for drivers `names`.

    descriptions: {driver: set of metric names} from --describe, or None
    when --describe was skipped (the request named no metrics).
    """
    inputs = {name: driver_input(request, name,
                                 None if descriptions is None else descriptions[name])
              for name in names}
    seconds = {name: measure_seconds(request, name) for name in names}
    longest = max(seconds.values()) if seconds else 0.0
    return Plan(inputs, seconds, longest,
                longest + grace_period if grace_period else None,
                unowned_metrics(request, descriptions),
                sorted(set(request.overrides) - set(names)))


def driver_control(request, name):
    """The control one driver sees: shared keys, then its own override on top."""
    own = {key: value for key, value in request.control.items() if key != "userdata"}
    override = request.overrides.get(name)
    if override is not None:
        own.update(override.control)
    return copy.deepcopy(own)


def driver_input(request, name, described):
    """The JSON object written to one driver's stdin.

    described: the metric names this driver's --describe returned, or None
    when --describe was skipped.
    """
    data = {"control": driver_control(request, name)}
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
