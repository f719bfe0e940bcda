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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from newsmon.dedup.fingerprint import normalise
from newsmon.models.enrichment import EnrichedArticle

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
