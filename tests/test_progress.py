"""The aggregate progress: the minimum over drivers, never going down."""

from app.progress import Progress, as_number, format_percent


def test_progress_is_the_minimum_over_drivers():
    progress = Progress(["a", "b", "c"])
    assert progress.update("a", 50) == 0
    assert progress.update("b", 30) == 0
    assert progress.update("c", 40) == 30


def test_finished_driver_counts_as_100():
    progress = Progress(["a", "b"])
    progress.update("a", 20)
    assert progress.update("b", 100) == 20
    assert progress.update("a", 100) == 100


def test_progress_never_goes_down():
    progress = Progress(["a", "b"])
    progress.update("a", 60)
    assert progress.update("b", 60) == 60
    assert progress.update("b", 10) == 60
    assert progress.aggregate() == 60
    assert progress.update("b", 70) == 60
    assert progress.update("a", 80) == 70


def test_progress_outside_0_to_100_is_clamped():
    progress = Progress(["a"])
    assert progress.update("a", 250) == 100
    assert Progress(["a"]).update("a", -5) == 0


def test_many_updates_keep_the_minimum_right():
    names = ["d%d" % i for i in range(50)]
    progress = Progress(names)
    for step in range(1, 101):
        for i, name in enumerate(names):
            progress.update(name, min(100, step + i))
        assert progress.aggregate() == step


def test_progress_value_must_be_a_number():
    assert as_number(5) == 5.0
    assert as_number("7.5") == 7.5
    assert as_number(True) is None
    assert as_number("half") is None
    assert as_number(None) is None


def test_whole_percentages_print_as_integers():
    assert format_percent(50.0) == 50 and isinstance(format_percent(50.0), int)
    assert format_percent(12.345) == 12.35


def test_a_round_without_drivers_is_done():
    assert Progress([]).aggregate() == 100.0
