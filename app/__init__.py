"""magg: run every servo measure driver in ./measure.d as one driver."""

__version__ = "0.1.0"


class MaggError(Exception):
    """The one error type inner code raises; the CLI turns it into the final line.

    status is the protocol status ("failed", "bad-request", ...), reason a short
    machine-readable word, message the text an operator reads.
    """

    def __init__(self, message, status="failed", reason="failed", exit_code=1):
        Exception.__init__(self, message)
        self.message = message
        self.status = status
        self.reason = reason
        self.exit_code = exit_code
