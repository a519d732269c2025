"""magg: run every servo measure driver in ./measure.d as one driver.

The words of the code, each for one thing:

- Driver (drivers.py): an installed executable, measure.d/<name>, with its
  settings from config.yaml (run mode, force_cancel).
- Job (supervise.py): one call of one driver in a round: its argv, the bytes
  for its stdin, whether it has cancel. A round is a list of jobs; a job's
  index in that list is its `run`, the number events and actions carry (one
  driver may run twice in a round: --info and --describe).
- Child (child.py): the supervisor's view of one run: its lifecycle state,
  and what its stdout and stderr said so far.
- Proc (pipes.py): the OS's view of a started run: its pid and open pipes.
- Outcome (merge.py): what is left of a run once it is over, for merging.
"""

__version__ = "0.1.0"

# Exit codes: 0 exactly when the final line says "ok".
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_CANCELLED = 3       # as measure.py drivers exit on cancel
EXIT_INTERNAL = 70       # EX_SOFTWARE: a bug in magg


class MaggError(Exception):
    """The one error type inner code raises; the CLI turns it into the final line.

    status is the protocol status ("failed", "bad-request", ...), reason a short
    machine-readable word, message the text an operator reads. failures: for
    a round that failed, (driver, status, reason, message, stderr tail) of
    each failed driver: the terminal view lists them; the final line does not.
    """

    def __init__(self, message, status="failed", reason="failed", exit_code=EXIT_FAILED,
                 failures=()):
        Exception.__init__(self, message)
        self.message = message
        self.status = status
        self.reason = reason
        self.exit_code = exit_code
        self.failures = failures
