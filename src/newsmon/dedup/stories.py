"""Stories: articles about the same event, grouped under one story id so that the desk
(and alert throttles) can see a story once with all its sources.

An article joins the story of an earlier article (within ``window``) that names at least
``MIN_SHARED_ENTITIES`` of its salient entities and whose headline-and-lead words overlap
it by at least ``MIN_WORD_OVERLAP`` (Jaccard); the best such match wins, otherwise the
article starts a story of its own (story id = its id). A copy joins its first copy's story.
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from newsmon.connectors.search import SearchEngine, WriteBuffer
from newsmon.dedup.fingerprint import normalise
from newsmon.dedup.prefetch import Prefetched
from newsmon.nlp.models import EnrichedArticle

SALIENT_TYPES = frozenset({"PERSON", "ORG", "GPE", "NORP", "EVENT", "FAC", "LOC", "LAW"})
SALIENT_ENTITIES = 6
LEAD_WORDS = 60
MIN_SHARED_ENTITIES = 2
MIN_WORD_OVERLAP = 0.15
_STOPWORDS = frozenset(
    "about after also been before being could from have into more most other over said says "
    "some such than that their them then there these they this those through under very were "
    "what when where which while will with would year years week told news".split()
)
_LETTERS = re.compile(r"^[^\W\d_]{4,}$")


@dataclass(frozen=True)
class StoryFeatures:
    """What story assignment compares: salient entity keys and headline-and-lead words."""

    article_id: str
    event_time: datetime
    entity_keys: tuple[str, ...]
    words: frozenset[str]
    story_id: str = ""


def story_features(item: EnrichedArticle, event_time: datetime) -> StoryFeatures:
    entities = [e for e in item.enrichment.entities if e.type in SALIENT_TYPES]
    top = sorted(entities, key=lambda e: (-e.count, e.key))[:SALIENT_ENTITIES]
    lead = " ".join(item.article.body.split()[:LEAD_WORDS])
    words = {w for w in normalise(f"{item.article.title} {lead}").split() if _LETTERS.match(w)}
    # Interned: the overlay keeps thousands of these, and the same words and keys recur.
    return StoryFeatures(
        article_id=item.article.id,
        event_time=event_time,
        entity_keys=tuple(sorted(sys.intern(e.key) for e in top)),
        words=frozenset(sys.intern(w) for w in words - _STOPWORDS),
    )


class StoryStore(Protocol):
    def get(self, article_id: str) -> StoryFeatures | None: ...

    def candidates(self, features: StoryFeatures, since: datetime, until: datetime) -> list[StoryFeatures]:
        """Earlier articles in [since, until] sharing at least MIN_SHARED_ENTITIES entity keys."""
        ...

    def add(self, features: StoryFeatures) -> None: ...

    def flush(self) -> None:
        """Write what ``add`` buffered (at the end of a bundle)."""
        ...

    def prefetch(self, batch: list[tuple[StoryFeatures, str | None]], window: timedelta) -> None:
        """Ask once for what :func:`assign_story` will need for these (features, first copy)."""
        ...


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def assign_story(
    features: StoryFeatures, store: StoryStore, window: timedelta, first_copy: str | None = None
) -> str:
    """The story id of an article (the same again for a re-delivered one)."""
    known = store.get(features.article_id)
    if known is not None:
        return known.story_id
    story = ""
    if first_copy is not None:
        original = store.get(first_copy)
        story = original.story_id if original is not None else first_copy
    else:
        best = 0.0
        for candidate in store.candidates(
            features, features.event_time - window, features.event_time + window
        ):
            shared = len(set(features.entity_keys) & set(candidate.entity_keys))
            score = _overlap(features.words, candidate.words)
            if shared >= MIN_SHARED_ENTITIES and score >= MIN_WORD_OVERLAP and score > best:
                best, story = score, candidate.story_id
    story = story or features.article_id
    store.add(
        StoryFeatures(features.article_id, features.event_time, features.entity_keys, features.words, story)
    )
    return story


class MemoryStoryStore:
    def __init__(self, max_items: int | None = None) -> None:
        self._items: OrderedDict[str, StoryFeatures] = OrderedDict()
        self._max_items = max_items

    def get(self, article_id: str) -> StoryFeatures | None:
        return self._items.get(article_id)

    def candidates(self, features: StoryFeatures, since: datetime, until: datetime) -> list[StoryFeatures]:
        wanted = set(features.entity_keys)
        return [
            f
            for f in self._items.values()
            if f.article_id != features.article_id
            and since <= f.event_time <= until
            and len(wanted & set(f.entity_keys)) >= MIN_SHARED_ENTITIES
        ]

    def add(self, features: StoryFeatures) -> None:
        self._items[features.article_id] = features
        while self._max_items is not None and len(self._items) > self._max_items:
            self._items.popitem(last=False)

    def flush(self) -> None:
        pass

    def prefetch(self, batch: list[tuple[StoryFeatures, str | None]], window: timedelta) -> None:
        pass


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
