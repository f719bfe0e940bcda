"""Stage: EnrichedArticles -> EnrichedArticles with their story id.

The pure core is :func:`newsmon.dedup.stories.assign_story` over a story store (tests
call it without Beam); in the pipeline the store is the search engine's fingerprints
index, so stories continue across restarts and workers.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput

from newsmon.connectors.failures import best_effort, isolated
from newsmon.connectors.metrics import gathered
from newsmon.connectors.stores.stories import SearchStoryStore
from newsmon.dedup.stories import (
    MemoryStoryStore,
    StoryFeatures,
    StoryStore,
    assign_story,
    story_features,
)
from newsmon.models.enrichment import EnrichedArticle
from newsmon.models.messages import DeadLetter
from newsmon.pipelines.stages.engine_fn import SearchEngineDoFn
from newsmon.settings import DedupSettings, SearchSettings

STAGE = "stories"
DEAD_LETTERS = "dead_letters"


class _AssignStoriesFn(SearchEngineDoFn):
    def __init__(self, dedup: DedupSettings, search: SearchSettings | None) -> None:
        super().__init__(search)
        self._dedup = dedup
        self._joined = Metrics.counter("newsmon.stories", "joined_a_story")

    def setup(self) -> None:
        super().setup()
        self._store: StoryStore = MemoryStoryStore(max_items=100_000)
        if (engine := self.connected) is not None:
            search = engine.settings
            self._store = SearchStoryStore(engine.client, search.fingerprints_index, search.overlay_items)
        self._window = timedelta(hours=self._dedup.story_window_hours)

    def finish_bundle(self) -> None:
        self._store.flush()

    def process(self, batch: list[EnrichedArticle]) -> Iterator[EnrichedArticle | TaggedOutput]:
        yield from gathered(STAGE, self._outputs(batch))

    def _outputs(self, batch: list[EnrichedArticle]) -> Iterator[EnrichedArticle | TaggedOutput]:
        looked_up: list[tuple[EnrichedArticle, tuple[StoryFeatures, str | None]]] = []
        for item in batch:
            found = isolated(STAGE, item, item.id, partial(_lookup_of, item))
            if isinstance(found, DeadLetter):
                yield TaggedOutput(DEAD_LETTERS, found)
            else:
                looked_up.append((item, found))
        lookups = [lookup for _, lookup in looked_up]
        best_effort("story prefetch", lambda: self._store.prefetch(lookups, self._window), self.engine)
        # In order: an earlier article of the batch may start the story of a later one.
        for item, (features, first_copy) in looked_up:
            assigned = isolated(
                STAGE,
                item,
                item.id,
                partial(self._assign, item, features, first_copy),
                self.engine,
            )
            yield TaggedOutput(DEAD_LETTERS, assigned) if isinstance(assigned, DeadLetter) else assigned

    def _assign(
        self, item: EnrichedArticle, features: StoryFeatures, first_copy: str | None
    ) -> EnrichedArticle:
        story = assign_story(features, self._store, self._window, first_copy)
        if story != item.article.id:
            self._joined.inc()
        return item.model_copy(update={"article": item.article.model_copy(update={"story_id": story})})


def _lookup_of(item: EnrichedArticle) -> tuple[StoryFeatures, str | None]:
    """What the story lookup of ``item`` needs: its features and its first copy, if a copy."""
    first_copy = item.article.duplicate.of if item.article.duplicate else None
    return story_features(item, item.article.event_time), first_copy


class AssignStories(beam.PTransform[PCollection[EnrichedArticle], DoOutputsTuple]):
    """Sets ``article.story_id``: the story of an earlier article on the same event (shared
    salient entities, overlapping headline and lead) within ``dedup.story_window_hours``,
    the first copy's story for a copy, else the article's own id.

    Args:
      dedup: the story window.
      search: where story features are kept (in memory without it).

    Returns ``result.enriched`` and ``result.dead_letters`` (an article the lookup raised on).
    """

    def __init__(self, dedup: DedupSettings, search: SearchSettings | None = None) -> None:
        super().__init__()
        self._dedup = dedup
        self._search = search

    def expand(self, items: PCollection[EnrichedArticle]) -> DoOutputsTuple:
        fn = _AssignStoriesFn(self._dedup, self._search)
        assigned: DoOutputsTuple = (
            items
            # Batches, so that the story lookups of many articles share two requests.
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self._dedup.lookup_batch_size)
            | "Assign" >> beam.ParDo(fn).with_outputs(DEAD_LETTERS, main="enriched")
        )
        return assigned
