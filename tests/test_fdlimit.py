"""The descriptor limit: raised when a round needs it, or an error counting drivers."""

import pytest

import agent
from app import MaggError, fdlimit
from aggregator import SAFETY
from fakedriver import write_driver


@pytest.fixture
def hard_limit_of(monkeypatch):
    """Pretend the soft and hard RLIMIT_NOFILE are both `n`."""
    def set_to(n):
        monkeypatch.setattr(fdlimit.resource, "getrlimit", lambda which: (n, n))
        monkeypatch.setattr(fdlimit.resource, "setrlimit", lambda which, limits: None)
    return set_to


def test_a_round_within_the_limit_passes(hard_limit_of):
    hard_limit_of(1000)
    fdlimit.ensure_fd_limit(200, 100)


def test_the_error_counts_drivers_and_says_each_runs_twice(hard_limit_of):
    hard_limit_of(256)
    with pytest.raises(MaggError) as err:
        fdlimit.ensure_fd_limit(200, 100)
    message = err.value.message
    assert message.startswith("100 drivers (200 runs at once"), message
    assert "need %d file descriptors" % (200 * 3 + fdlimit.FDS_RESERVED) in message
    assert err.value.reason == "too-many-drivers"


def test_a_round_of_one_run_per_driver_says_only_how_many_drivers(hard_limit_of):
    hard_limit_of(64)
    with pytest.raises(MaggError) as err:
        fdlimit.ensure_fd_limit(100, 100)
    assert err.value.message.startswith("100 drivers need "), err.value.message


DRIVERS = 20
# Enough for --info of 20 drivers (20 * 3 + 35 = 95), not for --info and
# --describe together (40 * 3 + 35 = 155).
LIMIT = 120


def test_measure_under_a_low_hard_limit_counts_its_drivers_not_its_runs(servo, measure_d,
                                                                         magg):
    for i in range(DRIVERS):
        write_driver(measure_d, "d%02d" % i, describe={"m%02d" % i: {}})
    limited = ["sh", "-c", 'ulimit -n %d && exec "$@"' % LIMIT, "sh"] + magg.cmd
    assert agent.info(limited, "app1", str(servo), env=magg.env(), timeout=SAFETY).ok
    run = agent.measure(limited, "app1", {"metrics": ["m00"]}, str(servo), env=magg.env(),
                        timeout=SAFETY)
    assert run.result["reason"] == "too-many-drivers", run
    assert run.result["message"].startswith("%d drivers (%d runs at once"
                                            % (DRIVERS, 2 * DRIVERS)), run.result
