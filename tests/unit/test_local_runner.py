"""The local runner over a read that never ends: its bookkeeping must not grow per bundle."""

from __future__ import annotations

import gc
import types
from collections.abc import Iterator
from typing import Any

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.metrics import monitoring_infos
from apache_beam.metrics.metric import Metrics, MetricsFilter
from apache_beam.pipeline import Pipeline
from apache_beam.transforms.core import RestrictionProvider

from newsmon.pipelines.runners import local_runner

BUNDLES = 60
# The lazy merges alive at each bundle, seen from inside it (the embedded worker
# runs in this process).
LIVE_MERGES: list[int] = []


def _live_merges() -> int:
    code = monitoring_infos.consolidate.__code__
    return sum(1 for o in gc.get_objects() if isinstance(o, types.GeneratorType) and o.gi_code is code)


class _Ticks(RestrictionProvider):
    def initial_restriction(self, element: int) -> OffsetRange:
        return OffsetRange(0, element)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return OffsetRestrictionTracker(restriction)

    def restriction_size(self, element: int, restriction: OffsetRange) -> int:
        return int(restriction.size())


_TICKS = beam.DoFn.RestrictionParam(_Ticks())


class _OneTickPerBundle(beam.DoFn):
    """Claims one offset, then defers the rest: one bundle per element, like a poll loop."""

    def __init__(self) -> None:
        self.ticks = Metrics.counter("test", "ticks")

    def process(self, element: int, tracker: Any = _TICKS) -> Iterator[int]:
        position = tracker.current_restriction().start
        if tracker.try_claim(position):
            self.ticks.inc()
            LIVE_MERGES.append(_live_merges())
            yield position
            tracker.defer_remainder()


def test_a_run_of_many_bundles_keeps_one_merged_metric_set_and_counts_every_bundle() -> None:
    LIVE_MERGES.clear()
    pipeline = Pipeline(runner=local_runner())
    _ = pipeline | beam.Create([BUNDLES]) | beam.ParDo(_OneTickPerBundle())
    result = pipeline.run()
    result.wait_until_finish()
    assert len(LIVE_MERGES) == BUNDLES
    # Beam's lazy merge keeps one more generator (and the bundle's protobufs) per bundle;
    # the count at the first bundle includes what earlier tests' pipelines left.
    assert max(LIVE_MERGES) - LIVE_MERGES[0] < 5, LIVE_MERGES[-5:]
    ticks = result.metrics().query(MetricsFilter().with_name("ticks"))["counters"]
    assert sum(counter.committed for counter in ticks) == BUNDLES
