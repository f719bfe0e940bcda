"""Stage: EnrichedArticles -> EnrichedArticles with their story id.

The pure core is :func:`newsmon.dedup.stories.assign_story` over a story store (tests
call it without Beam); in the pipeline the store is the search engine's fingerprints
index, so stories continue across restarts and workers.
"""

from __future__ import annotations

from datetime import timedelta

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection

from newsmon.connectors.stores.stories import SearchStoryStore
from newsmon.dedup.stories import (
    MemoryStoryStore,
    StoryFeatures,
    StoryStore,
    assign_story,
    story_features,
)
from newsmon.models.enrichment import EnrichedArticle
from newsmon.pipelines.stages.lookups import BatchedLookupFn, batched_lookups
from newsmon.settings import DedupSettings, SearchSettings

STAGE = "stories"


class _AssignStoriesFn(BatchedLookupFn[EnrichedArticle, tuple[StoryFeatures, str | None]]):
    stage = STAGE

    def __init__(self, dedup: DedupSettings, search: SearchSettings | None) -> None:
        super().__init__(search)
        self._dedup = dedup
        self._joined = Metrics.counter("newsmon.stories", "joined_a_story")

    def setup(self) -> None:
        super().setup()
        self.store: StoryStore = MemoryStoryStore(max_items=100_000)
        if (engine := self.connected) is not None:
            search = engine.settings
            self.store = SearchStoryStore(engine.client, search.fingerprints_index, search.overlay_items)
        self._window = timedelta(hours=self._dedup.story_window_hours)

    def lookup_of(self, item: EnrichedArticle) -> tuple[StoryFeatures, str | None]:
        """Its features, and its first copy if a copy."""
        first_copy = item.article.duplicate.of if item.article.duplicate else None
        return story_features(item, item.article.event_time), first_copy

    def prefetch(self, lookups: list[tuple[StoryFeatures, str | None]]) -> None:
        self.store.prefetch(lookups, self._window)

    def serve(self, item: EnrichedArticle, lookup: tuple[StoryFeatures, str | None]) -> EnrichedArticle:
        features, first_copy = lookup
        story = assign_story(features, self.store, self._window, first_copy)
        if story != item.article.id:
            self._joined.inc()
        return item.model_copy(update={"article": item.article.model_copy(update={"story_id": story})})


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
        return batched_lookups(items, fn, self._dedup.lookup_batch_size, "Assign", main="enriched")
