"""The aggregator's commands as rounds of driver runs.

discover -> (--info and --describe rounds) -> plan each input -> measure
round -> merge. Each function returns the final object to print or raises
MaggError; cli.py does the printing and exit codes.
"""

import json
import os
import sys
import time

from app import EXIT_CANCELLED, MaggError, __version__, merge, plan
from app.mux import HEARTBEAT, Job, Round, Settings
from app.procs import Watchdog
from app.request import parse_request


def warn(message):
    sys.stderr.write("magg: %s\n" % message)
    sys.stderr.flush()


def io_timeout():
    """(silence limit, heartbeat) in seconds from OPTUNE_IO_TIMEOUT, as the agent reads it."""
    text = os.environ.get("OPTUNE_IO_TIMEOUT", "").strip()
    try:
        seconds = float(text) if text else 0.0
    except ValueError:
        warn("ignoring OPTUNE_IO_TIMEOUT=%r: not a number" % text)
        seconds = 0.0
    if seconds <= 0:
        return None, HEARTBEAT
    limit = seconds - 1 if seconds > 2 else seconds / 2
    return limit, min(HEARTBEAT, seconds / 2)


class Session(object):
    """One aggregator run: its config, drivers, signal inbox and watchdog."""

    def __init__(self, config, drivers, inbox):
        self.config = config
        self.drivers = drivers
        self.inbox = inbox
        self.watchdog = None
        self.io_limit, self.heartbeat = io_timeout()

    def close(self, normal):
        if self.watchdog is not None:
            self.watchdog.close(normal)

    def settings(self, **changes):
        base = Settings(deadline=None, deadline_message="", io_limit=self.io_limit,
                        cleanup_grace=self.config.cleanup_grace_period,
                        cancel_on_failure=self.config.force_cancel,
                        is_failure=lambda outcome: False, report=None,
                        track=False, heartbeat=self.heartbeat)
        return base._replace(**changes)

    def run(self, jobs, settings):
        if self.watchdog is None:
            self.watchdog = Watchdog()
        outcomes, stop = Round(jobs, settings, self.inbox, self.watchdog).run()
        if stop is not None and stop.reason == "cancelled":
            stopped = [o.name for o in outcomes if o.stopped]
            raise MaggError("%s; stopped drivers: %s" % (
                stop.message, ", ".join(stopped) or "none"),
                reason="cancelled", exit_code=EXIT_CANCELLED)
        if stop is not None and stop.reason == "timeout":
            raise MaggError(stop.message, reason="timeout")
        return outcomes

    def query(self, info_args, describe_app, report=None):
        """(--info outcomes, --describe outcomes) from one concurrent round.

        info_args: what follows --info ([] or [APP_ID]), None for no --info;
        describe_app: the APP_ID for --describe, None for no --describe;
        report: for measure, heartbeats keep the agent from taking a slow
        --describe round for a hung aggregator.
        """
        infos = [] if info_args is None else [
            Job(d.name, [d.path, "--info"] + info_args, b"", False) for d in self.drivers]
        descs = [] if describe_app is None else [
            Job(d.name, [d.path, "--describe", describe_app], b"", False)
            for d in self.drivers]
        outcomes = self.run(infos + descs, self.settings(report=report))
        infos, descs = outcomes[:len(infos)], outcomes[len(infos):]
        merge.check_round(infos, False, "--info")
        merge.check_round(descs, True, "--describe")
        return infos, descs

    def info(self, app_id):
        infos, _ = self.query([app_id] if app_id else [], None)
        return merge.merge_info(infos, self.config.force_cancel, __version__)

    def describe(self, app_id):
        _, descs = self.query(None, app_id)
        return {"status": "ok", "metrics": merge.merge_describe(descs)}

    def prepare(self, app_id, text, report=None):
        """Everything measure decides before it starts: the request, inputs, limit."""
        request = parse_request(text)
        infos, descs = self.query([app_id], app_id if request.names else None, report)
        descriptions = None
        if descs:
            merge.merge_describe(descs)     # refuses a metric with two owners
            descriptions = merge.descriptions_of(descs)
        names = [d.name for d in self.drivers]
        inputs = plan.split(request, names, descriptions)
        limit, longest = plan.time_limit(inputs, self.config.grace_period)
        return {
            "info": merge.merge_info(infos, self.config.force_cancel, __version__),
            "inputs": inputs,
            "unowned": plan.unowned_metrics(request, descriptions),
            "unknown_overrides": plan.unknown_overrides(request, names),
            "limit": limit,
            "longest": longest,
        }

    def plan(self, app_id, text):
        prepared = self.prepare(app_id, text)
        info = prepared["info"]
        return {
            "status": "ok",
            "has_cancel": info["has_cancel"],
            "drivers": {name: {"input": prepared["inputs"][name],
                               "has_cancel": info["drivers"][name].get("has_cancel")}
                        for name in prepared["inputs"]},
            "unowned_metrics": prepared["unowned"],
            "unknown_overrides": prepared["unknown_overrides"],
            "time_limit": {"longest_measurement": prepared["longest"],
                           "grace_period": self.config.grace_period,
                           "deadline": prepared["limit"]},
        }

    def measure(self, app_id, text, report):
        prepared = self.prepare(app_id, text, report)
        if prepared["unowned"]:
            warn("no driver describes the requested metric(s) %s; they are left out"
                 % ", ".join(prepared["unowned"]))
        if prepared["unknown_overrides"]:
            warn("control.userdata has overrides for %s, but no such driver is in "
                 "measure.d" % ", ".join(prepared["unknown_overrides"]))
        infos = prepared["info"]["drivers"]
        jobs = [Job(d.name, [d.path, app_id],
                    json.dumps(prepared["inputs"][d.name]).encode("utf-8"),
                    infos[d.name].get("has_cancel") is True)
                for d in self.drivers]
        limit = prepared["limit"]
        settings = self.settings(
            deadline=None if limit is None else time.monotonic() + limit,
            deadline_message=(
                "measurement timed out after %g s: the longest warmup + duration + "
                "past is %g s, plus grace_period %g s" % (
                    limit or 0, prepared["longest"], self.config.grace_period)),
            cancel_on_failure=prepared["info"]["has_cancel"],
            is_failure=lambda o: merge.driver_failure(o, True) is not None,
            report=report, track=True)
        outcomes = self.run(jobs, settings)
        merge.check_round(outcomes, True, "to measure")
        result, notes = merge.merge_measure(outcomes)
        for note in notes:
            warn(note)
        return result

    def versions(self):
        infos, _ = self.query([], None)
        return {o.name: o.result.get("version") for o in infos}
