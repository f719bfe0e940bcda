"""Story features in the search engine: the story store in the pipeline."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Any

from newsmon.connectors.search import SearchEngine, WriteBuffer
from newsmon.connectors.stores.prefetch import Prefetched
from newsmon.dedup.stories import MIN_SHARED_ENTITIES, MemoryStoryStore, StoryFeatures


def _story_id(article_id: str) -> str:
    return f"story:{article_id}"[:512]


def _candidates_query(features: StoryFeatures, since: datetime, until: datetime) -> dict[str, Any]:
    return {
        "size": 100,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"kind": "story"}},
                    {"range": {"event_time": {"gte": since.isoformat(), "lte": until.isoformat()}}},
                ],
                "should": [{"term": {"entity_keys": key}} for key in features.entity_keys],
                "minimum_should_match": MIN_SHARED_ENTITIES,
                "must_not": [{"term": {"article_id": features.article_id}}],
            }
        },
    }


class SearchStoryStore:
    """Story features in the search engine's fingerprints index (documents ``story:<id>``),
    with a memory overlay for what it cannot show yet."""

    def __init__(self, engine: SearchEngine, index: str, overlay_items: int) -> None:
        # What the engine cannot show yet: the last few bundles (each add is scanned per article).
        self._overlay = MemoryStoryStore(max_items=overlay_items)
        self._writes = WriteBuffer(engine, index)
        self._prefetched = Prefetched(engine, index)

    @staticmethod
    def _from(source: dict[str, Any]) -> StoryFeatures:
        return StoryFeatures(
            article_id=source["article_id"],
            event_time=datetime.fromisoformat(source["event_time"]),
            entity_keys=tuple(source.get("entity_keys", [])),
            words=frozenset(source.get("words", [])),
            story_id=source["story_id"],
        )

    def get(self, article_id: str) -> StoryFeatures | None:
        found = self._overlay.get(article_id)
        if found is not None:
            return found
        source = self._prefetched.get(_story_id(article_id))
        return self._from(source) if source is not None else None

    def prefetch(self, batch: list[tuple[StoryFeatures, str | None]], window: timedelta) -> None:
        ids: list[str] = []
        queries: dict[Hashable, dict[str, Any]] = {}
        for features, first_copy in batch:
            ids.append(_story_id(features.article_id))
            if first_copy is not None:
                ids.append(_story_id(first_copy))
            elif len(features.entity_keys) >= MIN_SHARED_ENTITIES:
                since, until = features.event_time - window, features.event_time + window
                queries[(features.article_id, since, until)] = _candidates_query(features, since, until)
        self._prefetched.load(ids, queries)

    def candidates(self, features: StoryFeatures, since: datetime, until: datetime) -> list[StoryFeatures]:
        if len(features.entity_keys) < MIN_SHARED_ENTITIES:
            return []
        key = (features.article_id, since, until)
        response = self._prefetched.search(key, lambda: _candidates_query(features, since, until))
        found = {hit["_source"]["article_id"]: self._from(hit["_source"]) for hit in response["hits"]["hits"]}
        for features_ in self._overlay.candidates(features, since, until):
            found.setdefault(features_.article_id, features_)
        return list(found.values())

    def add(self, features: StoryFeatures) -> None:
        document = {
            "kind": "story",
            "article_id": features.article_id,
            "event_time": features.event_time.isoformat(),
            "entity_keys": list(features.entity_keys),
            "words": sorted(features.words),
            "story_id": features.story_id,
        }
        self._writes.add(_story_id(features.article_id), document)
        self._overlay.add(features)

    def flush(self) -> None:
        self._writes.flush()
        self._prefetched.clear()
