"""Every sentence magg says (app/messages.py), word for word.

These are what an operator reads in the final line, on stderr and in
progress lines; the integration tests check that each reaches its place,
these that each says exactly what it should.
"""

import collections
import datetime
import errno

import pytest

from app import messages as m
from app.config import DriverConfig as DC
from app.merge import Failure as F


class Thing(object):
    pass


class Stamp(object):
    """Like a YAML timestamp, with quotes and a backslash in its text."""

    def isoformat(self):
        return 'at "noon"\\'


CASES = [
    ('short_scalars',
     lambda: m.short([None, True, 1.5, "a\"b", 12, b"xyz", bytearray(2), set(),
                      object.__new__(Thing)]),
     '[null, true, 1.5, "a\\"b", 12, <3 bytes>, <2 bytes>, [], <Thing>]'),
    ('short_huge_int',
     lambda: m.short(10 ** 5000),
     '<an integer of about 5001 digits>'),
    ('short_big_int_edge',
     lambda: m.short(2 ** 14299)[:12],
     '<an integer '),
    ('short_cut',
     lambda: m.short("x" * 300),
     "\"" + "x" * 199 + "..."),
    ('short_limit_exact',
     lambda: m.short("x" * 8, limit=10),
     '"xxxxxxxx"'),
    ('short_limit_over',
     lambda: m.short("x" * 9, limit=10),
     '"xxxxxxxxx...'),
    ('short_nested_dict',
     lambda: m.short({"b": 1, "a": {"c": [1, 2]}, 3: "n", None: 0}, limit=80),
     '{"b": 1, "a": {"c": [1, 2]}, "3": "n", "null": 0}'),
    ('short_date_key',
     lambda: m.short({datetime.date(2024, 1, 2): 1}),
     '{"2024-01-02": 1}'),
    ('no_watchdog_without_strerror',
     lambda: m.no_watchdog(OSError("no sh")),
     "cannot start magg's watchdog (/bin/sh), which stops the drivers if magg is killed: "
     "no sh; no driver was started"),
    ('short_mixed_keys',
     lambda: m.short({1: "x", "a": 2}),
     '{"1": "x", "a": 2}'),
    ('short_long_key',
     lambda: m.short({"k" * 30: 1}, limit=10),
     '{"kkkkkkkk...'),
    ('short_date',
     lambda: m.short([datetime.date(2024, 1, 2)]),
     '["2024-01-02"]'),
    ('short_unsorted_big',
     lambda: m.short(dict((str(1000 - i), i) for i in range(1001)), limit=30),
     '{"1000": 0, "999": 1, "998": 2...'),
    ('short_sorted_1000',
     lambda: m.short(dict((str(999 - i).zfill(3), i) for i in range(1000)), limit=30),
     '{"000": 999, "001": 998, "002"...'),
    ('short_dict_to_the_limit',
     lambda: (m.short({"kkk": 1}, limit=10), m.short({"kkkk": 1}, limit=10)),
     ('{"kkk": 1}', '{"kkkk": 1...')),
    ('short_key_of_the_limit_and_one_more',
     lambda: (m.short({"k" * 10: 1}, limit=10), m.short({"k" * 11: 1}, limit=10),
              m.short({"k" * 7: 1}, limit=10)),
     ('{"kkkkkkkk...', '{"kkkkkkkk...', '{"kkkkkkk"...')),
    ('short_long_number_key',
     lambda: m.short({10 ** 30: 1}, limit=20),
     '{"100000000000000000...'),
    ('short_key_with_quotes_in_its_text',       # escaped once, its quotes kept
     lambda: m.short({Stamp(): 1}),
     '{"at \\"noon\\"\\\\": 1}'),
    ('signal_name',
     lambda: (m.signal_name(15), m.signal_name(200)),
     ('SIGTERM', 'signal 200')),
    ('describe_exit',
     lambda: (m.describe_exit(None), m.describe_exit(-9), m.describe_exit(0), m.describe_exit(3)),
     ('did not run', 'killed by SIGKILL', 'exit code 0', 'exit code 3')),
    ('cannot_start',
     lambda: m.cannot_start("measure.d/a", "Permission denied"),
     'cannot start measure.d/a: Permission denied'),
    ('not_json',
     lambda: m.not_json("oops"),
     "printed a stdout line that is not a JSON object: 'oops'"),
    ('out_of_bounds',
     lambda: m.out_of_bounds("[[[", "nests deeper than 100"),
     "printed a stdout line that nests deeper than 100: '[[['"),
    ('hung',
     lambda: m.hung(9.5),
     'hung: printed nothing on stdout for more than 9.5 s (OPTUNE_IO_TIMEOUT - 1)'),
    ('no_result',
     lambda: m.no_result(),
     'ended without a result'),
    ('info_lacks',
     lambda: m.info_lacks(["has_cancel", "version"], {"x": 1}),
     '--info lacks has_cancel and version: {"x": 1}'),
    ('not_ok',
     lambda: m.not_ok({"status": "weird"}),
     'result without status ok: {"status": "weird"}'),
    ('with_exit',
     lambda: (m.with_exit("boom", 2), m.with_exit(None, -15), m.with_exit("", 1)),
     ('boom (exit code 2)', 'killed by SIGTERM', 'exit code 1')),
    ('driver_progress',
     lambda: (m.driver_progress("a", "50%"), m.driver_progress("a", None)),
     ('a: 50%', 'a: ')),
    ('heartbeat',
     lambda: m.heartbeat(2, 3),
     'magg: 2 of 3 drivers still running'),
    ('warning',
     lambda: m.warning("careful"),
     'magg: careful\n'),
    ('unowned_metrics',
     lambda: m.unowned_metrics(["cpu", "mem"]),
     'no driver describes the requested metric(s) cpu, mem; they are left out'),
    ('unknown_overrides',
     lambda: m.unknown_overrides(["x", "y"]),
     'control.userdata has overrides for x, y, but no such driver is in measure.d'),
    ('bad_io_timeout',
     lambda: m.bad_io_timeout("soon" * 60),
     "ignoring OPTUNE_IO_TIMEOUT=%r: not a number" % ("soon" * 50 + "...")),
    ('short_text',
     lambda: (m.short_text("abc", 3), m.short_text("abcd", 3)),
     ('abc', 'abc...')),
    ('stderr_not_shown',
     lambda: m.stderr_not_shown("a", 7, 10),
     "7 bytes of a's stderr not shown: magg.stderr_limit is 10 bytes per driver"),
    ('stderr_dropped',
     lambda: m.stderr_dropped("a", 5001),
     "5001 bytes of a's stderr dropped while stopping it: magg's own stderr was not being read"),
    ('kept_both',
     lambda: m.kept_both("metric", "cpu", "b", "b:cpu"),
     "metric 'cpu' returned by more than one driver; b's value is kept as 'b:cpu'"),
    ('no_watchdog',
     lambda: m.no_watchdog(OSError(errno.EAGAIN, 'Resource temporarily unavailable')),
     ("cannot start magg's watchdog (/bin/sh), which stops the drivers if magg is killed: "
      "Resource temporarily unavailable (no process left under the user's process limit, ulimit "
      '-u); no driver was started')),
    ('no_watchdog_other',
     lambda: m.no_watchdog(OSError(errno.ENOMEM, 'Cannot allocate memory')),
     ("cannot start magg's watchdog (/bin/sh), which stops the drivers if magg is killed: "
      'Cannot allocate memory; no driver was started')),
    ('cancelled_reading',
     lambda: m.cancelled_reading(2),
     'cancelled by SIGINT while reading the request; no driver was started'),
    ('cancelled',
     lambda: (m.cancelled(15, ["a", "b"]), m.cancelled(10, [])),
     ('cancelled by SIGTERM; stopped drivers: a, b',
      'cancelled by SIGUSR1; stopped drivers: none')),
    ('agent_gone',
     lambda: m.agent_gone(),
     "nobody reads magg's stdout any more (the agent is gone); every driver was stopped"),
    ('timed_out',
     lambda: (m.timed_out(2.5, 1, 1.5, ["a", "b"]), m.timed_out(2, 1, 1, [])),
     ('measurement timed out after 2.5 s: the longest warmup + duration + past is 1 s, plus '
      'grace_period 1.5 s; still running: a, b',
      'measurement timed out after 2 s: the longest warmup + duration + past is 1 s, plus '
      'grace_period 1 s; still running: none')),
    ('failures',
     lambda: m.failures([F("a", "failed", "r", "boom"), F("b", "aborted", "slo", "p99")], 3,
                        "to measure", {"a": b"one\ntwo\n", "b": b""}, ["c", "d"]),
     ('2 of 3 drivers failed to measure:\n- a: failed: boom\n  stderr (last 2048 bytes): one\n  '
      '  two\n- b: aborted: p99\nstopped: c, d')),
    ('failures_no_stop',
     lambda: m.failures([F("a", "failed", "r", "boom")], 1, "to answer --info", {}, []),
     '1 of 1 drivers failed to answer --info:\n- a: failed: boom'),
    ('failed_words',
     lambda: tuple(m.failed_words(F("a", status, reason, "")) for status, reason in [
         ("failed", "failed"), ("failed", "backend"), ("aborted", "slo-violation"),
         ("aborted", "aborted"), ("rejected", None), ("aborted", "failed")]),
     ('failed',
      'failed (backend)',
      'failed (aborted: slo-violation)',
      'failed (aborted)',
      'failed (rejected)',
      'failed (aborted)')),
    ('waiting_for',
     lambda: m.waiting_for([F("a", "failed", "failed", ""), F("b", "aborted", "slo", "")],
                           ["c", "d"], ["c", "d"]),
     'a failed, b failed (aborted: slo); waiting for c, d to finish (c, d cannot cancel)'),
    ('waiting_for_all_cancel',
     lambda: m.waiting_for([F("a", "failed", "failed", "")], ["c"], []),
     'a failed; waiting for c to finish'),
    ('done',
     lambda: (m.done(True, None), m.done(False, None), m.done(False, F("a", "failed", "x", ""))),
     ('stopped', 'finished', 'failed (x)')),
    ('describe_not_object',
     lambda: m.describe_not_object("a", [1]),
     'driver a: --describe metrics must be an object, got list'),
    ('described_twice',
     lambda: m.described_twice([("cpu", ["a", "b"]), ("mem", ["c", "d", "e"])]),
     ('a metric must be described by one driver only: cpu (described by a, b); mem (described '
      'by c, d, e)')),
    ('result_not_object',
     lambda: m.result_not_object("a", "metrics"),
     'driver a returned metrics that is not an object'),
    ('skipped',
     lambda: (m.skipped_never(), m.skipped_not_requested()),
     ('run: never (switched off in config.yaml)',
      'run: when-requested, and the request names no metric it describes')),
    ('settings_for_unknown',
     lambda: m.settings_for_unknown_drivers({"z": DC("never", True), "y": DC("always", False)}),
     ('config.yaml sets magg.drivers.y.run: always; magg.drivers.z.run: never, '
      'magg.drivers.z.force_cancel: true, but no such driver is in measure.d')),
    ('unused_userdata',
     lambda: m.unused_userdata(["a", "b"]),
     ('control.userdata.a, control.userdata.b is named after a driver but holds no `control`: '
      'it is not an override, and no driver gets it')),
    ('nothing_to_measure',
     lambda: m.nothing_to_measure({"b": "why b", "a": "why a"}),
     'no driver measures this request: a: why a; b: why b'),
    ('version_not_asked',
     lambda: m.version_not_asked("no measure.d"),
     "only magg's own version: the drivers were not asked (no measure.d)"),
    ('check_failed',
     lambda: m.check_failed(["p1", "p2"]),
     '2 problem(s): p1; p2'),
    ('clash',
     lambda: m.clash("cpu", ["a", "b"]),
     'cpu is described by a and b'),
    ('not_drivers',
     lambda: m.not_drivers({"b.txt": "not executable", "a\x1b": "hidden"}),
     ('executables in measure.d that are not drivers, so not run: a\\x1b (hidden), b.txt (not '
      'executable); rename one to run it, or remove it')),
    ('unsafe',
     lambda: m.unsafe("measure.d", "world-writable"),
     ("measure.d can be changed by someone other than magg's user and root: world-writable; "
      "they could run code as magg's user (--check reports it as a problem)")),
    ('unsafe_problem',
     lambda: m.unsafe_problem("group-writable"),
     "can be changed by someone other than magg's user and root: group-writable"),
    ('mixed_cancel_one',
     lambda: m.mixed_cancel(["a"], ["b"]),
     ('cancel abilities differ: a can cancel, b cannot; when a driver fails (an SLO abort, '
      "say), magg waits for b to finish, and the agent's cancel reaches magg as SIGKILL (magg's "
      'has_cancel is false); set magg.drivers.b.force_cancel: true to stop it too (SIGTERM, '
      'then SIGKILL of its process group)')),
    ('mixed_cancel_many',
     lambda: m.mixed_cancel(["a", "b", "c", "d", "e", "f", "g"], ["x", "y"]),
     ('cancel abilities differ: a, b, c, d, e and 2 more can cancel, x, y cannot; when a driver '
      "fails (an SLO abort, say), magg waits for x and y to finish, and the agent's cancel "
      "reaches magg as SIGKILL (magg's has_cancel is false); set magg.drivers.x.force_cancel: "
      'true and magg.drivers.y.force_cancel: true to stop them too (SIGTERM, then SIGKILL of '
      'its process group)')),
    ('mixed_cancel_five',
     lambda: m.mixed_cancel(["a", "b", "c", "d", "e"], ["x"]),
     ('cancel abilities differ: a, b, c, d, e can cancel, x cannot; when a driver fails (an SLO '
      "abort, say), magg waits for x to finish, and the agent's cancel reaches magg as SIGKILL "
      "(magg's has_cancel is false); set magg.drivers.x.force_cancel: true to stop it too "
      '(SIGTERM, then SIGKILL of its process group)')),
]


@pytest.mark.parametrize("said, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_message_says_exactly_this(said, expected):
    assert said() == expected


def test_a_stderr_excerpt_is_the_last_bytes_decoded_and_stripped_at_the_end_only():
    tail = b"  " + b"x" * 3000 + b"\xff end \n\n"
    assert m.stderr_excerpt(tail) == "x" * 2040 + "\ufffd end"
    assert m.stderr_excerpt(b"  indented\n") == "  indented"


def test_a_merged_progress_message_is_cut_past_1024_characters():
    said = collections.OrderedDict([("a", "1"), ("b", None)])
    assert m.merged_progress(said) == "a: 1; b: "
    assert m.merged_progress({"a": "1"}, "b failed") == "b failed; a: 1"
    assert m.merged_progress({"a": "y" * 1021}) == "a: " + "y" * 1021
    assert m.merged_progress({"a": "y" * 1022}) == "a: " + "y" * 1018 + "..."
