"""Numbers as the result table shows them, and the sparkline (pure).

A payload's numbers come from drivers: strings, NaN, infinities and
integers of thousands of digits are all possible, and none may fail the
table.
"""

SPARKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"


def number(value):
    """A finite float, or None: numbers, numeric strings (Prometheus sends
    strings); never a bool, NaN, an infinity or an int beyond a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        result = float(value)
    except (OverflowError, ValueError):
        return None
    return result if result - result == 0 else None


SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def stat(value):
    """A summary number in at most about 7 cells: 1.668, 486.9M, 1.2e-05."""
    size = abs(value)
    for scale, suffix in SI:
        if 1e4 <= size < 1e15 and size >= scale:
            return "%.4g%s" % (value / scale, suffix)
    return "%.4g" % value


def sparkline(values, width):
    """values as at most width bars (U+2581..U+2588), bucket means when longer.

    Values that are not finite numbers are left out; a flat series is a row
    of middle bars; no values, or no width, is "".
    """
    points = [p for p in (number(v) for v in values) if p is not None]
    if not points or width <= 0:
        return ""
    if len(points) > width:
        size = len(points)
        points = [mean(points[i * size // width:(i + 1) * size // width])
                  for i in range(width)]
    low, high = min(points), max(points)
    if high == low:
        return SPARKS[3] * len(points)
    span = high / 2 - low / 2           # halves: no overflow from -1e308 to 1e308
    return "".join(SPARKS[min(7, int((p / 2 - low / 2) / span * 8))] for p in points)


def mean(points):
    """The mean, without the overflow a sum of huge values would give."""
    return sum(p / len(points) for p in points)
