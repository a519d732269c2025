"""magg: run every servo measure driver in ./measure.d as one driver."""

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
    machine-readable word, message the text an operator reads.
    """

    def __init__(self, message, status="failed", reason="failed", exit_code=EXIT_FAILED):
        Exception.__init__(self, message)
        self.message = message
        self.status = status
        self.reason = reason
        self.exit_code = exit_code
