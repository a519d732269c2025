"""The text of --help (the commands' own lines come from cli.COMMANDS).

Only --help reads it, so no other run pays for it.
"""

HELP = """\
magg %(version)s: run every servo measure driver in ./measure.d as one driver.

%(usage)s

%(commands)s

Layout (the current directory is the servo directory):
  ./measure           this file
  ./config.yaml       configuration for every driver; magg reads its `magg` section
  ./measure.d/NAME    the drivers: every executable regular file (links followed)
                      but leftovers (.NAME, NAME~, #NAME#, NAME.bak, NAME.dpkg-old...)

config.yaml, section `magg` (all optional):
  grace_period: 0          seconds added to the longest warmup+duration+past;
                           then every driver is stopped. 0: no time limit
  force_cancel: false      stop all drivers when one fails, even if some
                           cannot cancel (default: only if all can)
  cleanup_grace_period: 300  seconds a stopped driver gets before SIGKILL
  drivers:                 per driver, by its file name in measure.d:
    NAME:
      run: always          always: every round (default);
                           when-requested: --info and --describe, but measures
                           only when the request names a metric it describes;
                           never: no round at all, as if not installed
      force_cancel: false  cannot cancel, but may be stopped when another fails

control.userdata in the request: an entry named after an installed driver is
  that driver's override ({"control": {...}} merged into its control); every
  other entry is shared, in each driver's control.userdata (under the
  override's own userdata); an override for a driver not installed is warned
  about and passed to no driver.

Stopping: SIGUSR1 (cancel) to drivers with has_cancel, SIGTERM to the others,
then SIGKILL to each driver's process group once it exited or after
cleanup_grace_period. SIGUSR1, SIGTERM or SIGINT to magg stop every driver.

Exit codes: 0 ok; 1 failed (a driver, the request, config.yaml, measure.d);
  2 usage error; 3 cancelled by a signal; 70 internal error in magg.
The last stdout line is always one JSON object with a "status".
"""
