"""Stage: Articles -> Articles marked with their first copy, before the NLP.

The pure core is :func:`newsmon.dedup.check.check_duplicate` over a fingerprint store
(tests call it without Beam); in the pipeline the store is the search engine's
fingerprints index, so a restart or another worker knows what was seen. Exact copies then
skip the NLP; copies of both kinds are indexed with ``duplicate`` and raise no alerts.
"""

from __future__ import annotations

from datetime import timedelta

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection

from newsmon.connectors.metrics import ARTICLES, COPIES
from newsmon.connectors.stores.fingerprints import SearchFingerprintStore
from newsmon.dedup.check import check_duplicate
from newsmon.dedup.fingerprint import Fingerprint, fingerprint
from newsmon.dedup.store import FingerprintStore, MemoryFingerprintStore
from newsmon.models.article import Article
from newsmon.pipelines.stages.lookups import BatchedLookupFn, batched_lookups
from newsmon.settings import DedupSettings, SearchSettings

STAGE = "dedup"


class _MarkDuplicatesFn(BatchedLookupFn[Article, Fingerprint]):
    stage = STAGE

    def __init__(self, dedup: DedupSettings, search: SearchSettings | None) -> None:
        super().__init__(search)
        self._dedup = dedup
        self._exact = Metrics.counter("newsmon.dedup", "exact_copies")
        self._near = Metrics.counter("newsmon.dedup", "near_copies")

    def setup(self) -> None:
        super().setup()
        self.store: FingerprintStore = MemoryFingerprintStore(max_items=100_000)
        if (engine := self.connected) is not None:
            search = engine.settings
            self.store = SearchFingerprintStore(
                engine.client, search.fingerprints_index, search.overlay_items
            )
        self._window = timedelta(days=self._dedup.window_days)

    def lookup_of(self, article: Article) -> Fingerprint:
        return fingerprint(article.id, article.event_time, article.body)

    def prefetch(self, prints: list[Fingerprint]) -> None:
        self.store.prefetch(prints, self._window)

    def serve(self, article: Article, fp: Fingerprint) -> Article:
        duplicate = check_duplicate(fp, self.store, self._window, self._dedup.threshold)
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
        fn = _MarkDuplicatesFn(self._dedup, self._search)
        return batched_lookups(articles, fn, self._dedup.lookup_batch_size, "Check", main="articles")
