"""Titles shared by many unrelated articles of one source (a section name, a site's
standing headline) are page furniture too: the pipeline cannot see that from one article,
the index can. The answers' rows with such a title show a headline from their lead,
marked as derived, like the titles the pipeline set aside (``nlp/headlines.py``).

The shared titles are asked once a minute (one aggregation) per API process.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from newsmon.connectors.search import SearchEngine
from newsmon.nlp.headlines import lead_headline
from newsmon.nlp.knowledge import fold

MIN_STORIES = 3
"""A title one source gave articles of this many different stories is not a headline."""
REFRESH_S = 60.0
SHARED = "shared by unrelated articles of its source"


def shared_titles_body() -> dict[str, Any]:
    return {
        "size": 0,
        "query": {"bool": {"must_not": [{"term": {"headline_derived": True}}]}},
        "aggs": {
            "sources": {
                "terms": {"field": "source", "size": 500},
                "aggs": {
                    "titles": {
                        "terms": {"field": "title.raw", "size": 50, "min_doc_count": MIN_STORIES},
                        "aggs": {"stories": {"cardinality": {"field": "story_id"}}},
                    }
                },
            }
        },
    }


def shared_titles(response: dict[str, Any]) -> set[tuple[str, str]]:
    """(source, title) pairs given to at least ``MIN_STORIES`` stories."""
    return {
        (source["key"], title["key"])
        for source in response.get("aggregations", {}).get("sources", {}).get("buckets", [])
        for title in source["titles"]["buckets"]
        if title["stories"]["value"] >= MIN_STORIES
    }


class SharedTitles:
    """The shared titles of one index, asked again after ``REFRESH_S``."""

    def __init__(self, engine: SearchEngine, index: str) -> None:
        self._engine = engine
        self._index = index
        self._lock = threading.Lock()
        self._titles: set[tuple[str, str]] = set()
        self._asked = float("-inf")

    def titles(self) -> set[tuple[str, str]]:
        with self._lock:
            if time.monotonic() - self._asked >= REFRESH_S:
                self._titles = shared_titles(self._engine.search(self._index, shared_titles_body()))
                self._asked = time.monotonic()
            return self._titles

    def apply(self, rows: list[dict[str, Any]]) -> None:
        """Give the rows whose title is shared a headline from their lead (in place)."""
        titles = self.titles()
        hit = [
            row
            for row in rows
            if not row.get("headline_derived")
            and (fold(row.get("source") or ""), row.get("title") or "") in titles
        ]
        if not hit:
            return
        stored = self._engine.get_many(self._index, [row["id"] for row in hit])
        for row in hit:
            body = (stored.get(row["id"]) or {}).get("body")
            if body:
                row.update(
                    {"headline": lead_headline(body), "headline_derived": True, "title_problem": SHARED}
                )
