"""Fingerprints in the search engine's fingerprints index: the duplicate check's store in
the pipeline (survives restarts, shared by workers), with a memory overlay for what the
engine does not show until its next refresh."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newsmon.connectors.search import SearchEngine, WriteBuffer
from newsmon.connectors.stores.prefetch import Prefetched
from newsmon.dedup.fingerprint import Fingerprint
from newsmon.dedup.store import MemoryFingerprintStore, Remembered

# Candidates one batch search may return; as many, and the batch is asked article by article.
_BATCH_CANDIDATES = 1_000


_BATCH = "batch"


def _document(remembered: Remembered) -> dict[str, Any]:
    fp = remembered.fingerprint
    return {
        "article_id": fp.article_id,
        "event_time": fp.event_time.isoformat(),
        "text_hash": fp.text_hash,
        "bands": fp.bands,
        "signature": list(fp.signature),
        "size": fp.size,
        "original": remembered.original,
    }


def _remembered(source: dict[str, Any]) -> Remembered:
    fp = Fingerprint(
        article_id=source["article_id"],
        event_time=datetime.fromisoformat(source["event_time"]),
        text_hash=source["text_hash"],
        signature=tuple(source["signature"]),
        size=int(source.get("size", 0)),
    )
    return Remembered(fp, source.get("original"))


def _candidates_query(fp: Fingerprint, since: datetime, until: datetime) -> dict[str, Any]:
    return {
        "size": 50,
        "query": {
            "bool": {
                "filter": [{"range": {"event_time": {"gte": since.isoformat(), "lte": until.isoformat()}}}],
                "should": [{"term": {"text_hash": fp.text_hash}}, {"terms": {"bands": fp.bands}}],
                "minimum_should_match": 1,
                "must_not": [{"term": {"article_id": fp.article_id}}],
            }
        },
    }


def _batch_candidates_query(fingerprints: list[Fingerprint], window: timedelta) -> dict[str, Any]:
    """Every fingerprint that is a candidate of one of ``fingerprints``: one search for a
    batch (copies are rare, so the answer is small) instead of one per article."""
    since = min(fp.event_time for fp in fingerprints) - window
    until = max(fp.event_time for fp in fingerprints) + window
    return {
        "size": _BATCH_CANDIDATES,
        "query": {
            "bool": {
                "filter": [{"range": {"event_time": {"gte": since.isoformat(), "lte": until.isoformat()}}}],
                "should": [
                    {"terms": {"text_hash": sorted({fp.text_hash for fp in fingerprints})}},
                    {"terms": {"bands": sorted({band for fp in fingerprints for band in fp.bands})}},
                ],
                "minimum_should_match": 1,
            }
        },
    }


@dataclass(frozen=True)
class _BatchCandidates:
    """The answer to :func:`_batch_candidates_query`, sorted out per article."""

    articles: frozenset[str]
    found: list[tuple[Remembered, frozenset[str]]]  # with its text hash and bands

    def of(self, fp: Fingerprint, since: datetime, until: datetime) -> list[Remembered]:
        keys = {fp.text_hash, *fp.bands}
        return [
            remembered
            for remembered, its_keys in self.found
            if remembered.fingerprint.article_id != fp.article_id
            and since <= remembered.fingerprint.event_time <= until
            and not keys.isdisjoint(its_keys)
        ]


class SearchFingerprintStore:
    """Fingerprints in the search engine's fingerprints index."""

    def __init__(self, engine: SearchEngine, index: str, overlay_items: int) -> None:
        self._overlay = MemoryFingerprintStore(max_items=overlay_items)
        self._writes = WriteBuffer(engine, index)
        self._prefetched = Prefetched(engine, index)
        self._batch: _BatchCandidates | None = None

    def get(self, article_id: str) -> Remembered | None:
        found = self._overlay.get(article_id)
        if found is not None:
            return found
        source = self._prefetched.get(article_id)
        return _remembered(source) if source is not None else None

    def prefetch(self, fingerprints: list[Fingerprint], window: timedelta) -> None:
        ids = [fp.article_id for fp in fingerprints]
        query = _batch_candidates_query(fingerprints, window)
        self._prefetched.load(ids, {_BATCH: query})
        response = self._prefetched.search(_BATCH, lambda: query)
        hits = [hit["_source"] for hit in response["hits"]["hits"]]
        if len(hits) < _BATCH_CANDIDATES:
            found = [(_remembered(h), frozenset([h["text_hash"], *h.get("bands", [])])) for h in hits]
            self._batch = _BatchCandidates(frozenset(ids), found)
            return
        # A burst of copies: more candidates than one answer holds; ask article by article.
        self._batch = None
        queries: dict[Hashable, dict[str, Any]] = {}
        for fp in fingerprints:
            since, until = fp.event_time - window, fp.event_time + window
            queries[(fp.article_id, since, until)] = _candidates_query(fp, since, until)
        self._prefetched.load(ids, queries)

    def candidates(self, fp: Fingerprint, since: datetime, until: datetime) -> list[Remembered]:
        if self._batch is not None and fp.article_id in self._batch.articles:
            found = {r.fingerprint.article_id: r for r in self._batch.of(fp, since, until)}
        else:
            key = (fp.article_id, since, until)
            response = self._prefetched.search(key, lambda: _candidates_query(fp, since, until))
            found = {hit["_id"]: _remembered(hit["_source"]) for hit in response["hits"]["hits"]}
        # What this process added lately, including earlier articles of the same batch,
        # which the engine does not show yet.
        for remembered in self._overlay.candidates(fp, since, until):
            found.setdefault(remembered.fingerprint.article_id, remembered)
        return list(found.values())

    def add(self, remembered: Remembered) -> None:
        self._writes.add(remembered.fingerprint.article_id, _document(remembered))
        self._overlay.add(remembered)

    def flush(self) -> None:
        self._writes.flush()
        self._prefetched.clear()
        self._batch = None
