"""Many drivers' outcomes -> one result or one error (pure).

An Outcome is what the supervisor saw of one driver; everything here only
reads Outcomes and plain dicts. The words are in messages.py.
"""

import collections

from app import MaggError, messages
from app.bounds import short
from app.records import record

Outcome = record("Outcome", "name returncode result problem stopped stderr_tail seconds",
                 defaults=(None,), doc="""What is left of one driver run once it is over.

returncode: exit status (negative: killed by that signal; None: never ran);
result: its last non-progress stdout object, or None;
problem: what the aggregator itself found wrong ("hung ...") or None;
stopped: True when the aggregator stopped it (cancel, timeout, failure);
stderr_tail: the last bytes of its stderr;
seconds: how long it ran, from start to exit (None: never ran).""")

Failure = record("Failure", "name status reason message")


def driver_failure(outcome, needs_status):
    """The Failure of one driver, or None when it succeeded.

    needs_status: --describe and measure results must say status "ok";
    --info results only need has_cancel and version.
    """
    result = outcome.result
    if outcome.problem:
        return Failure(outcome.name, "failed", "failed", outcome.problem)
    status = _word(result.get("status")) if isinstance(result, dict) else None
    text = _text(result.get("message")) if isinstance(result, dict) else None
    if outcome.returncode != 0:
        status = "failed" if status in (None, "ok") else status
        return Failure(outcome.name, status, _reason(result, status),
                       messages.with_exit(text, outcome.returncode))
    if result is None:
        return Failure(outcome.name, "failed", "failed", messages.no_result())
    if needs_status and status != "ok":
        return Failure(outcome.name, status or "failed", _reason(result, status),
                       text or messages.not_ok(result))
    if not needs_status:
        missing = [k for k in ("has_cancel", "version") if k not in result]
        if missing:
            return Failure(outcome.name, "failed", "failed",
                           messages.info_lacks(missing, result))
    return None


def _reason(result, status):
    reason = _word(result.get("reason")) if isinstance(result, dict) else None
    return reason or status or "failed"


# A driver's status and reason reach the optimizer as words; its message as
# text. Anything else (a number, an object, 16 MiB of it) must not.
WORD = 64
TEXT = 2048


def _word(value):
    """A status or reason as a short string, or None when it is not one."""
    if isinstance(value, str) and 0 < len(value) <= WORD:
        return value
    return None


def _text(value):
    """A driver's message, bounded; a message that is not text is shown short."""
    if value is None or value == "":
        return None
    text = value if isinstance(value, str) else short(value)
    return text if len(text) <= TEXT else text[:TEXT - 3] + "..."


# When failed drivers disagree, the status the optimizer can act on wins:
# an SLO violation (aborted) must reach it even when another driver failed.
STATUS_ORDER = ("rejected", "aborted", "bad-request", "failed")


def failures_error(failures, outcomes, what):
    """One MaggError naming every failed driver.

    The status is the first of STATUS_ORDER that a failed driver reported
    (or the one status they all agree on); the reason is that of the first
    driver, by name, with that status. The error carries each Failure with
    its driver's stderr tail, for the result table on a terminal.
    """
    failed = {f.name for f in failures}
    stopped = [o.name for o in outcomes if o.stopped and o.name not in failed]
    tails = {o.name: o.stderr_tail for o in outcomes}
    text = messages.failures(failures, len(outcomes), what, tails, stopped)
    winner = deciding_failure(failures)
    return MaggError(text, status=winner.status, reason=winner.reason, failures=tuple(
        (f.name, f.status, f.reason, f.message, tails.get(f.name)) for f in failures))


def deciding_failure(failures):
    """The Failure whose status and reason the whole round reports."""
    statuses = {f.status for f in failures}
    ranked = [s for s in STATUS_ORDER if s in statuses]
    if ranked:
        status = ranked[0]
    elif len(statuses) == 1:
        status = statuses.pop()
    else:
        return Failure(None, "failed", "failed", None)
    return min((f for f in failures if f.status == status), key=lambda f: f.name)


def check_round(outcomes, needs_status, what):
    """Raise one error for the round if any driver failed.

    A driver the aggregator stopped because of another's failure is
    collateral: it is listed as stopped, not as a cause.
    """
    failures = [driver_failure(o, needs_status) for o in outcomes
                if o.problem or not o.stopped]
    failures = [f for f in failures if f is not None]
    if failures:
        raise failures_error(failures, outcomes, what)


def merge_info(outcomes, force_cancel, version, forced=()):
    """The aggregate --info object; has_cancel only if every driver can be stopped."""
    drivers = {o.name: o.result for o in outcomes}
    return {"status": "ok", "has_cancel": can_cancel(drivers, force_cancel, forced),
            "version": version, "drivers": drivers}


def can_cancel(infos, force_cancel, forced=()):
    """True when every driver may be stopped as soon as another fails.

    infos: {name: its --info object}. A driver may when its --info says
    has_cancel: true, or when its name is in forced (it has
    magg.drivers.<name>.force_cancel: it cannot cancel, but may be stopped);
    every driver may when force_cancel (magg.force_cancel) is true.
    """
    return bool(force_cancel or all(info.get("has_cancel") is True or name in forced
                                    for name, info in infos.items()))


def merge_describe(outcomes):
    """The union of described metrics; one metric from two drivers is an error."""
    owners = collections.OrderedDict()
    for o in outcomes:
        metrics = o.result.get("metrics") or {}
        if not isinstance(metrics, dict):
            raise MaggError(messages.describe_not_object(o.name, metrics))
        for metric in metrics:
            owners.setdefault(metric, []).append(o.name)
    clashes = [(m, names) for m, names in owners.items() if len(names) > 1]
    if clashes:
        raise MaggError(messages.described_twice(clashes), reason="metric-conflict")
    merged = {}
    for o in outcomes:
        merged.update(o.result.get("metrics") or {})
    return merged


def descriptions_of(outcomes):
    """{driver: set of metric names it described}."""
    return {o.name: set(o.result.get("metrics") or {}) for o in outcomes}


def union_keeping_both(parts, what, notes):
    """Merge {driver: mapping}; a key seen again is kept as "<driver>:<key>".

    Nothing is lost when two drivers return the same key; each clash is
    added to notes for stderr.
    """
    merged = {}
    for name, mapping in parts:
        for key, value in (mapping or {}).items():
            if key in merged:
                renamed = "%s:%s" % (name, key)
                notes.append(messages.kept_both(what, key, name, renamed))
                key = renamed
            merged[key] = value
    return merged


def merge_measure(outcomes):
    """(result, notes): the union of metrics and annotations, payloads untouched."""
    notes = []
    for o in outcomes:
        for key in ("metrics", "annotations"):
            if not isinstance(o.result.get(key) or {}, dict):
                raise MaggError(messages.result_not_object(o.name, key))
    metrics = union_keeping_both([(o.name, o.result.get("metrics")) for o in outcomes],
                                 "metric", notes)
    annotations = union_keeping_both(
        [(o.name, o.result.get("annotations")) for o in outcomes], "annotation", notes)
    return {"status": "ok", "metrics": metrics, "annotations": annotations}, notes


def metric_owners(outcomes):
    """{metric of the merged result: the driver that returned it}, renamed
    metrics ("<driver>:<key>") included, by merging as merge_measure does."""
    return union_keeping_both(
        [(o.name, {key: o.name for key in o.result.get("metrics") or {}}) for o in outcomes],
        "metric", [])
