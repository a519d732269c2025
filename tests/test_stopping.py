"""The stop sequence (app/stopping.py) and its copy for orphans (app/orphans.py),
on their own: what each step sends, and that a hurried stop is not repeated."""

from signal import SIGTERM, SIGUSR1

from app.events import FindOrphans, KillGroup, KillOrphan, Signal, SignalOrphan
from app.orphans import OrphanStops
from app.stopping import StopSequence


def test_the_polite_signal_then_sigkill_at_the_grace_and_nothing_after_a_hurry():
    stops = StopSequence(5.0)
    assert stops.begin(0, True, 1.0) == [Signal(0, SIGUSR1)]
    assert stops.begin(1, False, 2.0) == [Signal(1, SIGTERM)]
    assert stops.wake_at == 6.0 and stops.due(5.9) == []
    assert stops.hurry([0]) == [KillGroup(0)]
    assert stops.wake_at == 7.0 and stops.due(6.5) == []
    assert stops.due(7.0) == [KillGroup(1)] and stops.wake_at is None


def test_a_run_that_obeyed_gets_its_group_killed_once_and_no_later_sigkill():
    stops = StopSequence(5.0)
    stops.begin(0, True, 0.0)
    assert stops.exited(0) == [KillGroup(0)]
    assert stops.wake_at is None and stops.due(10.0) == []


def test_orphans_are_looked_for_only_once_the_round_is_stopped():
    orphans = OrphanStops(3.0)
    assert orphans.look() == [] and orphans.found([7], 0.0) == []
    assert orphans.begin() == [FindOrphans()] and orphans.look() == [FindOrphans()]
    assert orphans.found([7, 8], 1.0) == [SignalOrphan(7, SIGTERM), SignalOrphan(8, SIGTERM)]
    assert orphans.found([7], 1.5) == [] and orphans.busy
    assert orphans.wake_at == 4.0


def test_a_hurried_orphan_is_killed_now_and_not_again_at_its_grace():
    orphans = OrphanStops(3.0)
    orphans.begin()
    orphans.found([7, 8], 1.0)
    assert orphans.hurry() == [KillOrphan(7), KillOrphan(8)]
    assert orphans.wake_at is None and orphans.due(10.0) == []
    assert orphans.reaped(7) == [KillOrphan(7), FindOrphans()]
    assert orphans.reaped(9) == [FindOrphans()]
    assert orphans.busy and orphans.reaped(8) == [KillOrphan(8), FindOrphans()]
    assert not orphans.busy
