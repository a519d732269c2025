"""The status that matters wins: rejected, aborted, bad-request, then failed.

The drivers here cannot cancel, so magg lets every one run to its end and
each failure is reported; the final status and reason are those of the
driver whose status ranks first, and the message names them all.
"""

from fakedriver import write_driver

NO_CANCEL = {"has_cancel": False, "version": "1.0"}


def failing(measure_d, name, status, reason):
    write_driver(measure_d, name, info=NO_CANCEL, cancel="default", exit=1,
                 result={"status": status, "reason": reason, "message": name + " says no"})


def test_slo_violation_reaches_the_optimizer_when_another_driver_failed_too(
        servo, measure_d, magg):
    failing(measure_d, "newrelic", "aborted", "slo-violation")
    failing(measure_d, "prom", "failed", "no-data")
    failing(measure_d, "vegeta", "bad-request", "bad-target")
    run = magg.measure(servo, {})
    assert run.returncode == 1, run
    assert (run.result["status"], run.result["reason"]) == ("aborted", "slo-violation")
    message = run.result["message"]
    assert "3 of 3 drivers failed" in message
    assert "newrelic: aborted: newrelic says no" in message
    assert "prom: failed: prom says no" in message
    assert "vegeta: bad-request: vegeta says no" in message


def test_rejected_wins_over_aborted(servo, measure_d, magg):
    failing(measure_d, "newrelic", "aborted", "slo-violation")
    failing(measure_d, "wavefront", "rejected", "unstable")
    run = magg.measure(servo, {})
    assert (run.result["status"], run.result["reason"]) == ("rejected", "unstable"), run
    assert "newrelic: aborted" in run.result["message"]


def test_bad_request_wins_over_failed(servo, measure_d, magg):
    failing(measure_d, "prom", "failed", "no-data")
    failing(measure_d, "vegeta", "bad-request", "bad-target")
    write_driver(measure_d, "exec", info=NO_CANCEL, cancel="default")
    run = magg.measure(servo, {})
    assert (run.result["status"], run.result["reason"]) == ("bad-request", "bad-target"), run
    assert "2 of 3 drivers failed" in run.result["message"]
