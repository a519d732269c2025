"""The operators' reports (--check, --version, --plan) from the drivers' answers (pure).

Unlike the agent's rounds, these never stop at the first driver that fails:
an operator wants every driver's answer, and every problem at once.
"""

import collections

from app import messages
from app.runmodes import NEVER
from app.merge import can_cancel, driver_failure

# A problem shows the last line of the driver's stderr, cut to this length:
# a table cell, not a log.
STDERR_HINT = 200


def check_report(drivers, infos, descs, force_cancel, version):
    """The --check object.

    drivers: every installed Driver (a switched-off one is listed, not run);
    infos, descs: the --info and --describe Outcomes of the others (with how
    long each call took, None for a call that never ran).
    status is ok only when every driver that runs answered both calls and no
    metric is described twice.
    """
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
        row["problem"] = "; ".join(problems) or None
    clashes = [{"metric": m, "drivers": names} for m, names in owners.items()
               if len(names) > 1]
    for item in clashes:
        for name in item["drivers"]:
            row = rows[name]
            text = messages.clash(item["metric"], item["drivers"])
            row["problem"] = text if row["problem"] is None else row["problem"] + "; " + text
    answered = [r for r in rows.values() if r["run"] != NEVER and r["version"] is not None]
    report = {"status": "ok", "version": version,
              "has_cancel": can_cancel(answered, force_cancel),
              "drivers": rows, "clashes": clashes}
    problems = ["%s: %s" % (name, row["problem"]) for name, row in rows.items()
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


def plan_report(info, plan, has_cancel, grace_period):
    """The --plan object: what each driver would receive, who is skipped and why.

    info: the merged --info object; plan: the plan.Plan of the request;
    has_cancel: that of the measure round (only the drivers that measure).
    """
    return {
        "status": "ok",
        "has_cancel": has_cancel,
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
