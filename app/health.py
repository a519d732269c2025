"""The operators' reports (--check, --version, --plan) from the drivers' answers (pure).

Unlike the agent's rounds, these never stop at the first driver that fails:
an operator wants every driver's answer, and every problem at once.
"""

import collections

from app import messages
from app.merge import can_cancel, driver_failure
from app.runmodes import NEVER

# A problem shows the last line of the driver's stderr, cut to this length:
# a table cell, not a log.
STDERR_HINT = 200


def check_report(drivers, infos, descs, force_cancel, version, found=None):
    """The --check object.

    drivers: every installed Driver (a switched-off one is listed, not run);
    infos, descs: the --info and --describe Outcomes of the others (with how
    long each call took, None for a call that never ran);
    found: the drivers.Discovery (files ignored, files others could change).
    status is ok only when every driver that runs answered both calls, no
    metric is described twice, and no one but magg's user and root can
    change measure.d or a driver. A warning (mixed cancel abilities) is not
    a problem.
    """
    ignored = found.ignored if found is not None else {}
    unsafe = found.unsafe if found is not None else {}
    infos = {o.name: o for o in infos}
    descs = {o.name: o for o in descs}
    rows = collections.OrderedDict()
    owners = collections.OrderedDict()
    for driver in drivers:
        row = rows[driver.name] = {"run": driver.run, "version": None, "has_cancel": None,
                                   "metrics": {}, "seconds": {}, "problem": None}
        if driver.run == NEVER:
            continue
        info, desc = infos[driver.name], descs[driver.name]
        row["seconds"] = {call: None if took is None else round(took, 3)
                          for call, took in (("info", info.seconds),
                                             ("describe", desc.seconds))}
        problems = []
        failure = driver_failure(info, False)
        if failure is None:
            row["version"] = info.result.get("version")
            row["has_cancel"] = info.result.get("has_cancel")
        else:
            problems.append(call_problem("--info", failure, info))
        failure = driver_failure(desc, True)
        metrics = (desc.result.get("metrics") or {}) if failure is None else {}
        if failure is not None:
            problems.append(call_problem("--describe", failure, desc))
        elif not isinstance(metrics, dict):
            problems.append(messages.describe_not_object(driver.name, metrics))
        else:
            row["metrics"] = metrics
            for metric in metrics:
                owners.setdefault(metric, []).append(driver.name)
        if driver.path in unsafe:
            problems.append(messages.unsafe_problem(unsafe[driver.path]))
        row["problem"] = "; ".join(problems) or None
    clashes = [{"metric": m, "drivers": names} for m, names in owners.items()
               if len(names) > 1]
    for item in clashes:
        for name in item["drivers"]:
            row = rows[name]
            text = messages.clash(item["metric"], item["drivers"])
            row["problem"] = text if row["problem"] is None else row["problem"] + "; " + text
    answered = {name: r for name, r in rows.items()
                if r["run"] != NEVER and r["version"] is not None}
    forced = {d.name for d in drivers if d.force_cancel}
    report = {"status": "ok", "version": version,
              "has_cancel": can_cancel(answered, force_cancel, forced),
              "drivers": rows, "clashes": clashes, "ignored": dict(ignored),
              "unsafe": dict(unsafe),
              "warnings": cancel_warnings(answered, force_cancel, forced)}
    paths = {d.path for d in drivers}
    problems = ["%s: %s" % (path, messages.unsafe_problem(why))
                for path, why in unsafe.items() if path not in paths]
    problems += ["%s: %s" % (name, row["problem"]) for name, row in rows.items()
                 if row["problem"]]
    if problems:
        report.update(status="failed", reason="check",
                      message=messages.check_failed(problems))
    return report


def call_problem(call, failure, outcome):
    """One line: which call failed, how, and the last line of its stderr."""
    text = "%s: %s: %s" % (call, failure.status, failure.message)
    lines = messages.stderr_excerpt(outcome.stderr_tail).splitlines()
    if lines:
        text += " (stderr: %s)" % lines[-1][-STDERR_HINT:]
    return text


def version_report(infos, version):
    """The --version object: magg's version, each driver's or why it has none.

    A driver that cannot answer --info is named in `problems`; the command
    still succeeds, since only the versions were asked for.
    """
    versions = collections.OrderedDict()
    problems = collections.OrderedDict()
    for outcome in infos:
        failure = driver_failure(outcome, False)
        if failure is None:
            versions[outcome.name] = outcome.result.get("version")
        else:
            versions[outcome.name] = None
            problems[outcome.name] = call_problem("--info", failure, outcome)
    return {"status": "ok", "version": version, "drivers": versions, "problems": problems}


def cancel_warnings(infos, force_cancel, forced):
    """[a warning] when the drivers' cancel abilities differ and no force_cancel covers them.

    infos: {name: its --info object} of the drivers that count. A driver
    with has_cancel: true, or with magg.drivers.<name>.force_cancel (in
    forced), can be stopped; when some can and others cannot, a failure
    waits for those, and the agent's cancel comes as SIGKILL.
    """
    if force_cancel:
        return []
    able = sorted(n for n, i in infos.items() if i.get("has_cancel") is True or n in forced)
    unable = sorted(n for n in infos if n not in able)
    if not able or not unable:
        return []
    return [messages.mixed_cancel(able, unable)]


def plan_report(info, plan, grace_period, force_cancel, forced=(), ignored=None):
    """The --plan object: what each driver would receive, who is skipped and why.

    info: the merged --info object; plan: the plan.Plan of the request;
    force_cancel, forced: magg.force_cancel and the names with
    magg.drivers.<name>.force_cancel. has_cancel and the cancel warning are
    those of the measure round: only the drivers that measure count.
    ignored: {file name: why} of the executables that are not drivers.
    """
    measuring = {name: info["drivers"][name] for name in plan.inputs}
    return {
        "status": "ok",
        "has_cancel": can_cancel(measuring, force_cancel, forced),
        "warnings": cancel_warnings(measuring, force_cancel, forced),
        "ignored": dict(ignored or {}),
        "drivers": {name: {"input": plan.inputs[name],
                           "has_cancel": info["drivers"][name].get("has_cancel")}
                    for name in plan.inputs},
        "skipped": plan.skipped,
        "unowned_metrics": plan.unowned,
        "unknown_overrides": plan.unknown_overrides,
        "unused_userdata": plan.unused_userdata,
        "time_limit": {"longest_measurement": plan.longest,
                       "grace_period": grace_period,
                       "deadline": plan.limit},
    }
