"""The restriction both Kafka readers claim: offsets ``[start, +inf)``, never split (one
reader per partition, or one group member per process)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Protocol

from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.transforms.core import RestrictionProvider

UNBOUNDED_END = sys.maxsize
"""Claiming it finishes the restriction (a drain run's end)."""


class Starts(Protocol):
    @property
    def start_offset(self) -> int: ...


class UnboundedOffsets(RestrictionProvider):
    """``[element.start_offset, +inf)``; never split."""

    def initial_restriction(self, element: Starts) -> OffsetRange:
        return OffsetRange(element.start_offset, UNBOUNDED_END)

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return OffsetRestrictionTracker(restriction)

    def restriction_size(self, element: Starts, restriction: OffsetRange) -> int:
        return 1

    def split(self, element: Starts, restriction: OffsetRange) -> Iterator[OffsetRange]:
        yield restriction
