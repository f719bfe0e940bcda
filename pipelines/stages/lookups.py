"""A DoFn base for the stages that look each article up in a store kept in the search engine
(duplicates, stories): a batch's lookups are prefetched in one go, then each article is
served in order (an earlier article of the batch counts for a later one), and the store's
writes go out at the end of the bundle.

A subclass says what to ask of one article (:meth:`lookup_of`, pure), how to prefetch a
batch of those (:meth:`prefetch`) and what to make of the answer (:meth:`serve`). An
article either step raises on becomes a dead letter; a dependency failure propagates.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Generic, Protocol, TypeVar

import apache_beam as beam
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput

from newsmon.connectors.failures import best_effort, isolated
from newsmon.connectors.metrics import gathered
from newsmon.models.messages import DeadLetter, JsonMessage
from newsmon.pipelines.stages.engine_fn import SearchEngineDoFn

DEAD_LETTERS = "dead_letters"


class Keyed(JsonMessage, Protocol):
    @property
    def id(self) -> str: ...


In = TypeVar("In", bound=Keyed)
Lookup = TypeVar("Lookup")


class Flushes(Protocol):
    def flush(self) -> None: ...


class BatchedLookupFn(SearchEngineDoFn, Generic[In, Lookup]):
    """Batches of ``In`` -> ``In`` (served), dead letters tagged ``dead_letters``."""

    stage: str
    store: Flushes

    def lookup_of(self, item: In) -> Lookup:
        raise NotImplementedError

    def prefetch(self, lookups: list[Lookup]) -> None:
        raise NotImplementedError

    def serve(self, item: In, lookup: Lookup) -> In:
        raise NotImplementedError

    def finish_bundle(self) -> None:
        self.store.flush()

    def process(self, batch: list[In]) -> Iterator[In | TaggedOutput]:
        yield from gathered(self.stage, self._outputs(batch))

    def _outputs(self, batch: list[In]) -> Iterator[In | TaggedOutput]:
        looked_up: list[tuple[In, Lookup]] = []
        for item in batch:
            lookup = isolated(self.stage, item, item.id, partial(self.lookup_of, item))
            if isinstance(lookup, DeadLetter):
                yield TaggedOutput(DEAD_LETTERS, lookup)
            else:
                looked_up.append((item, lookup))
        lookups = [lookup for _, lookup in looked_up]
        best_effort(f"{self.stage} prefetch", partial(self.prefetch, lookups), self.engine)
        for item, lookup in looked_up:
            served = isolated(self.stage, item, item.id, partial(self.serve, item, lookup), self.engine)
            yield TaggedOutput(DEAD_LETTERS, served) if isinstance(served, DeadLetter) else served


def batched_lookups(
    items: PCollection[In], fn: BatchedLookupFn[In, Lookup], batch_size: int, step: str, main: str
) -> DoOutputsTuple:
    """``items`` in batches of up to ``batch_size`` through ``fn`` (labelled ``step``):
    outputs ``main`` and ``dead_letters``."""
    result: DoOutputsTuple = (
        items
        # Batches, so that the lookups of many articles share two requests.
        | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=batch_size)
        | step >> beam.ParDo(fn).with_outputs(DEAD_LETTERS, main=main)
    )
    return result
