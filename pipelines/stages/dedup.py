"""Stage: Articles -> Articles marked with their first copy, before the NLP.

The pure core is :func:`newsmon.dedup.check.check_duplicate` over a fingerprint store
(tests call it without Beam); in the pipeline the store is the search engine's
fingerprints index, so a restart or another worker knows what was seen. Exact copies then
skip the NLP; copies of both kinds are indexed with ``duplicate`` and raise no alerts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput

from newsmon.connectors.failures import best_effort, isolated
from newsmon.connectors.metrics import ARTICLES, COPIES, gathered
from newsmon.connectors.stores.fingerprints import SearchFingerprintStore
from newsmon.dedup.check import check_duplicate
from newsmon.dedup.fingerprint import Fingerprint, fingerprint
from newsmon.dedup.store import FingerprintStore, MemoryFingerprintStore
from newsmon.models.article import Article
from newsmon.models.messages import DeadLetter
from newsmon.pipelines.stages.engine_fn import SearchEngineDoFn
from newsmon.settings import DedupSettings, SearchSettings

STAGE = "dedup"
DEAD_LETTERS = "dead_letters"


class _MarkDuplicatesFn(SearchEngineDoFn):
    def __init__(self, dedup: DedupSettings, search: SearchSettings | None) -> None:
        super().__init__(search)
        self._dedup = dedup
        self._exact = Metrics.counter("newsmon.dedup", "exact_copies")
        self._near = Metrics.counter("newsmon.dedup", "near_copies")

    def setup(self) -> None:
        super().setup()
        self._store: FingerprintStore = MemoryFingerprintStore(max_items=100_000)
        if (engine := self.connected) is not None:
            search = engine.settings
            self._store = SearchFingerprintStore(
                engine.client, search.fingerprints_index, search.overlay_items
            )
        self._window = timedelta(days=self._dedup.window_days)

    def finish_bundle(self) -> None:
        self._store.flush()

    def process(self, batch: list[Article]) -> Iterator[Article | TaggedOutput]:
        yield from gathered(STAGE, self._outputs(batch))

    def _outputs(self, batch: list[Article]) -> Iterator[Article | TaggedOutput]:
        fingerprinted: list[tuple[Article, Fingerprint]] = []
        for article in batch:
            fp = isolated(
                STAGE, article, article.id, partial(fingerprint, article.id, article.event_time, article.body)
            )
            if isinstance(fp, DeadLetter):
                yield TaggedOutput(DEAD_LETTERS, fp)
            else:
                fingerprinted.append((article, fp))
        prints = [fp for _, fp in fingerprinted]
        best_effort("fingerprint prefetch", lambda: self._store.prefetch(prints, self._window), self.engine)
        # In order: an earlier article of the batch is a candidate for the later ones.
        for article, fp in fingerprinted:
            marked = isolated(STAGE, article, article.id, partial(self._mark, article, fp), self.engine)
            yield TaggedOutput(DEAD_LETTERS, marked) if isinstance(marked, DeadLetter) else marked

    def _mark(self, article: Article, fp: Fingerprint) -> Article:
        duplicate = check_duplicate(fp, self._store, self._window, self._dedup.threshold)
        ARTICLES.labels(STAGE).inc()
        if duplicate is None:
            return article
        (self._exact if duplicate.kind == "exact" else self._near).inc()
        COPIES.labels(duplicate.kind).inc()
        return article.model_copy(update={"duplicate": duplicate})


class MarkDuplicates(beam.PTransform[PCollection[Article], DoOutputsTuple]):
    """Marks each article that repeats one seen within ``dedup.window_days`` (exact or near
    copy) with ``duplicate`` (its first copy, kind, similarity).

    Args:
      dedup: threshold and window.
      search: where fingerprints are kept (in memory without it).

    Returns ``result.articles`` and ``result.dead_letters`` (an article the check raised on).
    """

    def __init__(self, dedup: DedupSettings, search: SearchSettings | None = None) -> None:
        super().__init__()
        self._dedup = dedup
        self._search = search

    def expand(self, articles: PCollection[Article]) -> DoOutputsTuple:
        marked: DoOutputsTuple = (
            articles
            # Batches, so that the fingerprint lookups of many articles share two requests.
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self._dedup.lookup_batch_size)
            | "Check"
            >> beam.ParDo(_MarkDuplicatesFn(self._dedup, self._search)).with_outputs(
                DEAD_LETTERS, main="articles"
            )
        )
        return marked
