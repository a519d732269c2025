"""JSON from outside, read within bounds: nesting depth and integer length (pure).

json.loads recurses in C: on text like "[" * 100000 it raises
RecursionError, not ValueError, and a value that parses just under the
interpreter's limit can still overflow copy.deepcopy, repr or json.dumps
later, from a deeper stack. So what magg reads from outside (the request,
each stdout line of a driver, config.yaml) nests at most MAX_DEPTH levels;
real requests and results nest fewer than ten.

Python 3.11 and newer refuse to read an integer of more than 4300 digits;
older ones read it, and the line magg passes on would then be one a newer
agent cannot read. The same bound applies on every version.
"""

import json

MAX_DEPTH = 100
MAX_DIGITS = 4300


class OutOfBounds(ValueError):
    """JSON that nests too deeply or holds too long an integer: a ValueError,
    like any text that is not JSON. Its text completes "the line ...". """


def loads(text):
    """json.loads for text (a str) from outside; OutOfBounds past the bounds above."""
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise OutOfBounds(_TOO_DEEP)
    # A value nests no deeper than its text has brackets: most lines skip the walk.
    if text.count("[") + text.count("{") > MAX_DEPTH and deeper_than(value, MAX_DEPTH):
        raise OutOfBounds(_TOO_DEEP)
    return value


_TOO_DEEP = "nests more than %d levels deep" % MAX_DEPTH


def _integer(digits):
    if len(digits) > MAX_DIGITS and len(digits.lstrip("-")) > MAX_DIGITS:
        raise OutOfBounds("holds an integer of %d digits (more than %d)"
                          % (len(digits.lstrip("-")), MAX_DIGITS))
    return int(digits)


# One decoder for every line: json.loads builds a new one per call when
# given parse_int, which shows at a thousand drivers.
_DECODER = json.JSONDecoder(parse_int=_integer)


def deeper_than(value, limit):
    """True when lists and dicts nest more than limit levels in value.

    Iterative, so it answers for any value the parser could build.
    """
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, (dict, list)))
    return False
