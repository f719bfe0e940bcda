"""The read's bundle budget: how many records a bundle takes, from the time measured."""

from newsmon.connectors.kafka_reading import BundleBudget


def test_before_any_measure_a_bundle_takes_one_poll_s_worth() -> None:
    budget = BundleBudget(seconds=15, most=500)
    budget.start()
    assert budget.allowance() == 500
    budget.took(500, now=0.0)
    assert budget.allowance() == 0


def test_a_slow_pipeline_gets_bundles_that_fit_the_time_and_split_fairly() -> None:
    budget = BundleBudget(seconds=15, most=500)
    budget.start()
    finished = budget.took(300, now=100.0)
    assert finished is not None
    assert budget.took(200, now=101.0) is None  # one measure per bundle
    finished(150.0)  # 500 records in 50 s: 0.1 s each
    assert budget.seconds_per_record == 0.1
    budget.start()
    assert budget.allowance() == 150
    assert budget.allowance(readers=4) == 38  # each partition its share
    budget.took(140, now=0.0)
    assert budget.allowance() == 10


def _bundle(budget: BundleBudget, records: int, seconds: float) -> None:
    """A bundle of ``records`` that took ``seconds`` to its finalizer."""
    budget.start()
    finished = budget.took(records, now=0.0)
    assert finished is not None
    finished(seconds)


def test_a_faster_bundle_is_believed_at_once_a_slower_one_halfway() -> None:
    budget = BundleBudget(seconds=15, most=500)
    _bundle(budget, 4, 4.0)  # 1 s per record: a first bundle, with the models' first calls
    budget.start()
    assert budget.allowance() == 15
    _bundle(budget, 15, 1.5)  # 0.1 s: believed at once, the next bundle fills its time
    assert budget.seconds_per_record == 0.1
    budget.start()
    assert budget.allowance() == 150
    _bundle(budget, 150, 45.0)  # 0.3 s (long articles): the estimate moves halfway there
    assert budget.seconds_per_record == 0.2
    budget.start()
    assert budget.allowance() == 75


def test_a_bundle_slower_than_its_time_still_reads_a_record() -> None:
    slow = BundleBudget(seconds=15, most=500)
    _bundle(slow, 1, 60.0)  # slower than the budget itself
    slow.start()
    assert slow.allowance() == 1


def test_an_empty_poll_does_not_start_a_measure() -> None:
    budget = BundleBudget(seconds=15, most=500)
    budget.start()
    assert budget.took(0, now=0.0) is None
    assert budget.allowance() == 500
