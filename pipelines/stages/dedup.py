"""Stage: Articles -> Articles marked with their first copy, before the NLP.

The pure core is :func:`newsmon.dedup.check.check_duplicate` over a fingerprint store
(tests call it without Beam); in the pipeline the store is the search engine's
fingerprints index, so a restart or another worker knows what was seen. Exact copies then
skip the NLP; copies of both kinds are indexed with ``duplicate`` and raise no alerts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import PCollection

from newsmon.article import Article
from newsmon.dedup.check import check_duplicate
from newsmon.dedup.fingerprint import fingerprint
from newsmon.dedup.store import FingerprintStore, MemoryFingerprintStore, SearchFingerprintStore
from newsmon.pipelines.stages.engine_fn import SearchEngineDoFn
from newsmon.settings import DedupSettings, SearchSettings


class _MarkDuplicatesFn(SearchEngineDoFn):
    def __init__(self, dedup: DedupSettings, search: SearchSettings | None) -> None:
        super().__init__(search)
        self._dedup = dedup
        self._exact = Metrics.counter("newsmon.dedup", "exact_copies")
        self._near = Metrics.counter("newsmon.dedup", "near_copies")

    def setup(self) -> None:
        super().setup()
        self._store: FingerprintStore = MemoryFingerprintStore(max_items=100_000)
        if self.engine is not None and self._search is not None:
            self._store = SearchFingerprintStore(self.engine, self._search.fingerprints_index)
        self._window = timedelta(days=self._dedup.window_days)

    def finish_bundle(self) -> None:
        self._store.flush()

    def process(self, batch: list[Article]) -> Iterator[Article]:
        fingerprints = [fingerprint(a.id, a.event_time, a.body) for a in batch]
        self._store.prefetch(fingerprints, self._window)
        # In order: an earlier article of the batch is a candidate for the later ones.
        for article, fp in zip(batch, fingerprints, strict=True):
            duplicate = check_duplicate(fp, self._store, self._window, self._dedup.threshold)
            if duplicate is None:
                yield article
                continue
            (self._exact if duplicate.kind == "exact" else self._near).inc()
            yield article.model_copy(update={"duplicate": duplicate})


class MarkDuplicates(beam.PTransform[PCollection[Article], PCollection[Article]]):
    """Marks each article that repeats one seen within ``dedup.window_days`` (exact or near
    copy) with ``duplicate`` (its first copy, kind, similarity).

    Args:
      dedup: threshold and window.
      search: where fingerprints are kept (in memory without it).
    """

    def __init__(self, dedup: DedupSettings, search: SearchSettings | None = None) -> None:
        super().__init__()
        self._dedup = dedup
        self._search = search

    def expand(self, articles: PCollection[Article]) -> PCollection[Article]:
        marked: PCollection[Article] = (
            articles
            # Batches, so that the fingerprint lookups of many articles share two requests.
            | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self._dedup.lookup_batch_size)
            | "Check" >> beam.ParDo(_MarkDuplicatesFn(self._dedup, self._search))
        )
        return marked
