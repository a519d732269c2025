"""The one way magg defines a record type: a tuple with named fields (pure).

Every value that travels between magg's parts (events and actions, jobs,
outcomes, settings, the plan) is such a record, so each reads, compares and
prints the same way. collections.namedtuple would do, but it builds every
class with exec(), about 80 us apiece, and magg imports some thirty of them
on every start; this form costs a few microseconds each.
"""

import operator

_MISSING = object()


def record(name, fields, defaults=(), doc=None):
    """A tuple class with named fields, like collections.namedtuple.

    fields: the names, space-separated; defaults: values for the last
    len(defaults) fields. Instances compare, hash and print like
    namedtuples and have _fields, _replace() and _asdict().
    """
    fields = tuple(fields.split())
    count = len(fields)
    defaults = dict(zip(fields[count - len(defaults):], defaults))

    def __new__(cls, *values, **named):
        if len(values) == count and not named:
            return tuple.__new__(cls, values)
        if len(values) > count:
            raise TypeError("%s takes %d values, got %d" % (name, count, len(values)))
        full = list(values)
        for field in fields[len(values):]:
            value = named.pop(field, defaults.get(field, _MISSING))
            if value is _MISSING:
                raise TypeError("%s needs a value for %r" % (name, field))
            full.append(value)
        if named:
            raise TypeError("%s has no field %s" % (name, ", ".join(sorted(named))))
        return tuple.__new__(cls, full)

    def __repr__(self):
        return "%s(%s)" % (name, ", ".join("%s=%r" % pair for pair in zip(fields, self)))

    def _replace(self, **changes):
        return type(self)(**dict(self._asdict(), **changes))

    def _asdict(self):
        return dict(zip(fields, self))

    def __getnewargs__(self):      # copy and pickle rebuild it from its values
        return tuple(self)

    namespace = {"__slots__": (), "__new__": __new__, "__repr__": __repr__,
                 "__doc__": doc or "%s(%s)" % (name, ", ".join(fields)),
                 "_fields": fields, "_replace": _replace, "_asdict": _asdict,
                 "__getnewargs__": __getnewargs__}
    for index, field in enumerate(fields):
        namespace[field] = property(operator.itemgetter(index))
    return type(name, (tuple,), namespace)
