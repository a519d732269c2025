"""The aggregator's commands as rounds of driver runs.

Session runs the rounds (one loop, watchdog and pacer for the whole run);
each command is a function of a session, named as in cli.COMMANDS.

discover -> (--info and --describe round) -> plan each input -> measure
round -> merge. Each command returns the final object to print or raises
MaggError; cli.py does the printing and exit codes.

The planner, the request parser and the health reports are imported by the
commands that use them: --info and --describe are what the agent calls
most, and every module costs start-up time.
"""

import json
import os
import sys
import time

from app import EXIT_CANCELLED, MaggError, __version__, merge, messages
from app.drivers import Discovery
from app.fdlimit import ensure_fd_limit
from app.loop import Loop
from app.pacing import Pacer, Reporter
from app.pipes import Pipes
from app.rounds import Job, Round
from app.runmodes import NEVER
from app.spawn import Spawner
from app.supervise import Supervisor
from app.watchdog import Watchdog


def setup():
    """(Settings, drivers.Discovery with run modes) for the current directory.

    A run mode configured for a driver that is not installed is a warning
    (a typo would otherwise leave a driver on that was meant off); so are
    leftovers in measure.d and files others could change.
    """
    from app.config import load_settings
    from app.drivers import configure, discover, here, warnings
    here()      # before config.yaml: a deleted directory is not "no config"
    settings = load_settings(os.environ)
    found, unknown = configure(discover(itself=sys.argv[0]), settings.drivers)
    settings = settings._replace(warnings=tuple(settings.warnings) + tuple(warnings(found)))
    if unknown:
        settings = settings._replace(warnings=tuple(settings.warnings) + (
            messages.settings_for_unknown_drivers(
                {name: settings.drivers[name] for name in unknown}),))
    return settings, found


class Session(object):
    """One aggregator run: its settings, drivers, and the loop that runs them."""

    def __init__(self, settings, drivers, inbox, std, clock=time.monotonic, found=None,
                 trace=None):
        self.settings = settings
        self.reaper = False     # magg is a child subreaper (measure only)
        self.clock = clock
        self.trace = trace
        self.drivers = drivers
        # What else measure.d held (ignored files, files others can change):
        # --check and --plan report it.
        self.found = Discovery(drivers, {}, {}) if found is None else found
        # magg.drivers.<name>.force_cancel: cannot cancel, but may be stopped.
        self.forced = {d.name for d in drivers if d.force_cancel}
        self.inbox = inbox
        self.std = std
        self.pacer = Pacer(settings.progress_interval, settings.heartbeat, clock())
        self.watchdog = None
        self.loop = None
        for text in settings.warnings:
            self.warn(text)

    def close(self, normal):
        if self.watchdog is not None:
            self.watchdog.close(normal)

    def warn(self, text):
        self.std.warn(text)

    def run(self, jobs, deadline=None, stop_on_failure=None, judge_exits=False,
            reporter=None):
        """(outcomes in job order, Ending or None) of one round; raises on cancel."""
        if self.loop is None:
            spawner = Spawner()
            try:
                self.watchdog = Watchdog(spawner, self.settings.cleanup_grace_period)
            except OSError as err:
                raise MaggError(messages.no_watchdog(err), reason="cannot-start")
            self.loop = Loop(self.inbox, Pipes(spawner, self.watchdog, self.reaper),
                             self.std, self.clock, self.trace)
        if stop_on_failure is None:
            stop_on_failure = self.settings.force_cancel
        ensure_fd_limit(len(jobs), len({job.name for job in jobs}))
        supervisor = Supervisor(Round(jobs, deadline, stop_on_failure, judge_exits),
                                self.settings, reporter)
        self.loop.run(supervisor)
        outcomes, ending = supervisor.outcomes(), supervisor.ending
        if ending is not None and ending.reason == "cancelled":
            raise MaggError(messages.cancelled(ending.signum,
                                               [o.name for o in outcomes if o.stopped]),
                            reason="cancelled", exit_code=EXIT_CANCELLED)
        if ending is not None and ending.reason == "agent-gone":
            raise MaggError(messages.agent_gone(), reason="agent-gone")
        return outcomes, ending

    def reporter(self, names, track):
        return Reporter(names, self.pacer, track)

    @property
    def active(self):
        """The drivers that take part in --info and --describe: all but run: never."""
        return [d for d in self.drivers if d.run != NEVER]

    def query(self, info_args, describe_app, heartbeats=False, checked=True):
        """(--info outcomes, --describe outcomes) from one concurrent round.

        info_args: what follows --info ([] or [APP_ID]), None for no --info;
        describe_app: the APP_ID for --describe, None for no --describe;
        heartbeats: for measure, progress lines keep the agent from taking a
        slow --describe round for a hung aggregator; checked: a failed
        driver fails the round (False: the caller reports it).
        """
        infos = [] if info_args is None else [
            Job(d.name, [d.path, "--info"] + info_args, b"", False) for d in self.active]
        descs = [] if describe_app is None else [
            Job(d.name, [d.path, "--describe", describe_app], b"", False)
            for d in self.active]
        jobs = infos + descs
        reporter = self.reporter([j.name for j in jobs], False) if heartbeats else None
        outcomes, _ = self.run(jobs, reporter=reporter)
        infos, descs = outcomes[:len(infos)], outcomes[len(infos):]
        if checked:
            merge.check_round(infos, False, "--info")
            merge.check_round(descs, True, "--describe")
        return infos, descs


# -- what a measurement decides before it starts --------------------------------------

def prepare(session, app_id, text, heartbeats=False):
    """(merged --info, Plan, merged --describe metrics or None): everything
    measure decides before it starts."""
    from app.plan import make_plan
    from app.request import parse_request
    request = parse_request(text)
    infos, descs = session.query([app_id], app_id if request.names else None, heartbeats)
    descriptions = described = None
    if descs:
        described = merge.merge_describe(descs)     # refuses a metric with two owners
        descriptions = merge.descriptions_of(descs)
    plan = make_plan(request, [d.name for d in session.drivers], descriptions,
                     session.settings.grace_period, {d.name: d.run for d in session.drivers})
    if not plan.inputs:
        raise MaggError(messages.nothing_to_measure(plan.skipped), reason="no-drivers")
    return merge.merge_info(infos, session.settings.force_cancel, __version__,
                            session.forced), plan, described

def can_cancel(session, info, plan):
    """has_cancel of the measure round: a driver that will not measure never blocks it,
    nor one with magg.drivers.<name>.force_cancel (magg may stop it with SIGTERM)."""
    return merge.can_cancel({name: info["drivers"][name] for name in plan.inputs},
                            session.settings.force_cancel, session.forced)

# -- the commands: each takes the session, the APP_ID and the request text (or None)

def info(session, app_id, text=None):
    infos, _ = session.query([app_id] if app_id else [], None)
    return merge.merge_info(infos, session.settings.force_cancel, __version__, session.forced)

def describe(session, app_id, text=None):
    _, descs = session.query(None, app_id)
    return {"status": "ok", "metrics": merge.merge_describe(descs)}

def plan(session, app_id, text):
    from app import health
    info, plan, _ = prepare(session, app_id, text)
    return health.plan_report(info, plan, session.settings.grace_period,
                              session.settings.force_cancel, session.forced, session.found.ignored)

def measure(session, app_id, text):
    from app.subreaper import become_subreaper
    session.reaper = become_subreaper()    # daemons of drivers come back to magg
    info, plan, described = prepare(session, app_id, text, heartbeats=True)
    view = session.std.view        # the terminal view (viewer.py), or None
    if view is not None:
        view.measuring(plan.skipped, described)
    if plan.unowned:
        session.warn(messages.unowned_metrics(plan.unowned))
    if plan.unknown_overrides:
        session.warn(messages.unknown_overrides(plan.unknown_overrides))
    if plan.unused_userdata:
        session.warn(messages.unused_userdata(plan.unused_userdata))
    jobs = [Job(d.name, [d.path, app_id],
                json.dumps(plan.inputs[d.name]).encode("utf-8"),
                info["drivers"][d.name].get("has_cancel") is True)
            for d in session.drivers if d.name in plan.inputs]
    start = session.clock()
    outcomes, ending = session.run(
        jobs, deadline=None if plan.limit is None else start + plan.limit,
        stop_on_failure=can_cancel(session, info, plan), judge_exits=True,
        reporter=session.reporter([j.name for j in jobs], True))
    if ending is not None and ending.reason == "timeout":
        raise MaggError(messages.timed_out(plan.limit, plan.longest,
                                           session.settings.grace_period, ending.running),
                        reason="timeout")
    merge.check_round(outcomes, True, "to measure")
    result, notes = merge.merge_measure(outcomes)
    if view is not None:
        view.owners = merge.metric_owners(outcomes)
    for note in notes:
        session.warn(note)
    return result

def version(session, app_id=None, text=None):
    """The --version report; a driver that cannot answer is named, not fatal."""
    from app import health
    infos, _ = session.query([], None, checked=False)
    return health.version_report(infos, __version__)

def check(session, app_id, text=None):
    """The --check report: every driver's --info and --describe, and their times."""
    from app import health
    infos, descs = session.query([app_id], app_id, checked=False)
    return health.check_report(session.drivers, infos, descs,
                               session.settings.force_cancel, __version__, session.found)
