"""Values from outside, read and shown within bounds (pure).

Read: JSON nested at most MAX_DEPTH levels, integers of at most MAX_DIGITS
digits. Shown: short(), an excerpt of any value that costs no more than its
first few hundred characters, for every message that quotes one.

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
    brackets = text.count("[") + text.count("{")
    if brackets > MAX_DEPTH:    # pragma: no mutate (>=: at MAX_DEPTH the walk says no too)
        if deeper_than(value, MAX_DEPTH):
            raise OutOfBounds(_TOO_DEEP)
    return value


_TOO_DEEP = "nests more than %d levels deep" % MAX_DEPTH


def _integer(digits):
    length = len(digits) - (digits[0] == "-")     # JSON: at most one "-", then digits
    if length > MAX_DIGITS:
        raise OutOfBounds("holds an integer of %d digits (more than %d)" % (length, MAX_DIGITS))
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


# -- excerpts: any value, shown within bounds --------------------------------------

SHORT = 200


def short(obj, limit=SHORT):
    """A value as JSON, cut to limit characters.

    Bounded in time and memory whatever the value is: only the first limit
    characters are ever produced, so a value nested 1000 levels deep, one
    that YAML aliases share a billion times over, a huge integer or a
    16 MiB string costs no more than a small one. Values JSON has no form
    for (a YAML date, bytes, a set) are shown all the same.
    """
    pieces, size = [], 0
    for piece in _json_pieces(obj, limit):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return "".join(pieces)[:limit] + "..."
    return "".join(pieces)


# Dicts up to this size are shown with sorted keys, like json.dumps(sort_keys=True);
# a bigger one in its own order, so no excerpt sorts a million keys.
_SORTED_KEYS_UP_TO = 1000
# About 4300 decimal digits.
_LONGEST_INT_BITS = 14300


def _json_pieces(obj, limit):
    """json.dumps(obj, sort_keys=True) in pieces, produced lazily, without recursion."""
    stack, ends = [iter([("", obj)])], [""]
    while stack:
        for prefix, value in stack[-1]:
            if prefix:
                yield prefix
            if isinstance(value, dict):
                yield "{"
                stack.append(_dict_items(value, limit))
                ends.append("}")
                break
            if isinstance(value, (list, tuple, set, frozenset)):
                yield "["
                stack.append(("" if i == 0 else ", ", v) for i, v in enumerate(value))
                ends.append("]")
                break
            # A string is read up to limit characters: its excerpt shows fewer.
            yield json.dumps(value[:limit]) if isinstance(value, str) else _scalar(value)
        else:
            stack.pop()
            yield ends.pop()


def _dict_items(mapping, limit):
    # Read lazily, like a list: short() stops asking once it has limit characters,
    # which no more than limit keys make (each shows as 4 characters at least).
    keys = mapping
    if len(mapping) <= _SORTED_KEYS_UP_TO:
        try:
            keys = sorted(mapping)
        except TypeError:       # keys of mixed types (YAML allows them)
            pass
    for i, key in enumerate(keys):
        text = key if isinstance(key, str) else _key_text(key)
        yield (", " if i else "") + json.dumps(text[:limit]) + ": ", mapping[key]


def _key_text(key):
    """A key that is not a string, as text: the JSON of a number, true, false or
    null (as json.dumps makes it), a date's own text, else what short() shows."""
    return key.isoformat() if hasattr(key, "isoformat") else _scalar(key)


def _scalar(value):
    """Any value that is neither a string, a list nor a dict, within bounds."""
    if value is None or isinstance(value, (bool, float)):
        return json.dumps(value)
    if isinstance(value, int):
        # str() takes time quadratic in the digits, and Python 3.11+ refuses
        # it past 4300 digits: a longer integer is shown by its length.
        if value.bit_length() <= _LONGEST_INT_BITS:
            try:
                return str(value)
            except ValueError:
                pass
        return "<an integer of about %d digits>" % (value.bit_length() * 0.30103 + 1)
    if isinstance(value, (bytes, bytearray)):
        return "<%d bytes>" % len(value)
    if hasattr(value, "isoformat"):     # a YAML date or timestamp
        return json.dumps(value.isoformat())
    return "<%s>" % type(value).__name__


def short_text(text, limit=SHORT):
    """Text from outside cut to limit characters, for a message."""
    return text if len(text) <= limit else text[:limit] + "..."
