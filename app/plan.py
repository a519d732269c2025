"""Who gets which input, and when the measurement is overdue (pure).

A driver's input is the request's control without `userdata`, updated with
its own override from control.userdata.<driver>.control, plus the requested
metrics it described, in the request's own form (list or mapping).
"""

import copy

from app.request import driver_overrides, parse_duration


def driver_control(control, name):
    """The control one driver sees: shared keys, then its own override on top."""
    own = {key: value for key, value in control.items() if key != "userdata"}
    own.update(driver_overrides(control).get(name, {}))
    return copy.deepcopy(own)


def driver_input(request, name, described):
    """The JSON object written to one driver's stdin.

    described: the metric names this driver's --describe returned, or None
    when --describe was skipped (the request named no metrics).
    """
    data = {"control": driver_control(request.control, name)}
    if request.names and described is not None:
        if isinstance(request.metrics, dict):
            mine = {m: copy.deepcopy(v) for m, v in request.metrics.items()
                    if m in described}
        else:
            mine = [m for m in request.metrics if m in described]
        if mine:
            data["metrics"] = mine
    return data


def split(request, names, descriptions):
    """{driver: input} for every driver, whether or not it owns a metric.

    descriptions: {driver: set of metric names} or None when not described.
    """
    return {name: driver_input(request, name,
                               None if descriptions is None else descriptions[name])
            for name in names}


def unowned_metrics(request, descriptions):
    """Requested metric names that no driver describes, in request order."""
    if not request.names or descriptions is None:
        return []
    owned = set()
    for metrics in descriptions.values():
        owned.update(metrics)
    return [m for m in request.names if m not in owned]


def unknown_overrides(request, names):
    """userdata overrides addressed to no installed driver (likely typos)."""
    return sorted(set(driver_overrides(request.control)) - set(names))


def measure_seconds(control):
    """warmup + duration + past for one driver's control; past falls back to delay."""
    past = control.get("past", control.get("delay", 0))
    return sum(parse_duration(value, key) for key, value in
               (("warmup", control.get("warmup", 0)),
                ("duration", control.get("duration", 0)),
                ("past", past)))


def time_limit(inputs, grace_period):
    """(limit, longest) in seconds, or (None, longest) when grace_period is 0.

    The limit is the longest warmup + duration + past over the drivers' own
    controls, plus grace_period.
    """
    longest = max([measure_seconds(i["control"]) for i in inputs.values()] or [0.0])
    if not grace_period:
        return None, longest
    return longest + grace_period, longest
