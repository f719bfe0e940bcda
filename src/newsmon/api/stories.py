"""Stories: articles on one event (``story_id``, set by the pipeline), listed newest
activity first with their best headline, sources, sparkline, entities and countries; one
story with its articles by source, copies folded under the article they copy.

The request bodies are built by pure functions (tested without an engine).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from newsmon.alerts.breaking import DAY, Growth, is_breaking
from newsmon.alerts.rules import StoryGrowth
from newsmon.api.articles import Filters, shared_titles
from newsmon.api.queries import SUMMARY_FIELDS, ArticleFilters, bounded_time, filter_clauses
from newsmon.connectors.search import SearchEngine
from newsmon.settings import Settings

router = APIRouter(prefix="/api", tags=["stories"])
SPARK_MINUTES = 10
SPARK_POINTS = 36
"""A story's sparkline: articles per 10 minutes over the last six hours of the list."""
STORY_FIELDS = SUMMARY_FIELDS
MAX_STORY_ARTICLES = 500


def _state(request: Request) -> tuple[SearchEngine, Settings]:
    return request.app.state.engine, request.app.state.settings


def newest_time(engine: SearchEngine, index: str, filters: ArticleFilters) -> datetime | None:
    """The event time of the newest article matching ``filters`` (None: no article)."""
    body = {
        "size": 0,
        "query": {"bool": {"filter": filter_clauses(filters)}},
        "aggs": {"last": {"max": {"field": "event_time"}}},
    }
    value = engine.search(index, body).get("aggregations", {}).get("last", {}).get("value")
    return None if value is None else datetime.fromtimestamp(value / 1000, UTC)


def active_stories_body(
    filters: ArticleFilters, since: datetime, until: datetime, size: int
) -> dict[str, Any]:
    """The stories with an article in [since, until), newest activity first."""
    window = filters.model_copy(update={"since": since, "until": until})
    return {
        "size": 0,
        "query": {"bool": {"filter": filter_clauses(window)}},
        "aggs": {
            "stories": {
                "terms": {"field": "story_id", "size": size, "order": {"last": "desc"}},
                "aggs": {"last": {"max": {"field": "event_time"}}},
            }
        },
    }


def story_ids(response: dict[str, Any]) -> list[str]:
    return [b["key"] for b in response.get("aggregations", {}).get("stories", {}).get("buckets", [])]


def _between(start: datetime, end: datetime) -> dict[str, Any]:
    return {"range": {"event_time": {"gte": start.isoformat(), "lt": end.isoformat()}}}


def baseline_body(filters: ArticleFilters, until: datetime, policy: StoryGrowth) -> dict[str, Any]:
    """The day's articles and active stories before the breaking interval ending at ``until``."""
    start = until - timedelta(minutes=policy.minutes)
    whole = filters.model_copy(update={"since": None, "until": until})
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"filter": [*filter_clauses(whole), _between(start - DAY, start)]}},
        "aggs": {"stories": {"cardinality": {"field": "story_id"}}},
    }


def stories_body(
    filters: ArticleFilters, stories: list[str], until: datetime, policy: StoryGrowth | None = None
) -> dict[str, Any]:
    """Each of ``stories`` whole up to ``until`` (its articles matching the filters): counts,
    sources, best headline, entities, countries, a sparkline ending at ``until``, and its
    growth in the breaking interval before ``until``."""
    policy = policy or StoryGrowth()
    whole = filters.model_copy(update={"since": None, "until": until})
    spark_start = until - timedelta(minutes=SPARK_MINUTES * SPARK_POINTS)
    recent_start = until - timedelta(minutes=policy.minutes)
    history_start = recent_start - timedelta(hours=policy.history_hours)
    return {
        "size": 0,
        "query": {"bool": {"filter": [*filter_clauses(whole), {"terms": {"story_id": stories}}]}},
        "aggs": {
            "stories": {
                "terms": {"field": "story_id", "size": len(stories), "order": {"last": "desc"}},
                "aggs": {
                    "last": {"max": {"field": "event_time"}},
                    "first": {"min": {"field": "event_time"}},
                    "sources": {"cardinality": {"field": "source"}},
                    "copies": {"filter": {"exists": {"field": "duplicate.of"}}},
                    "best": {
                        "top_hits": {
                            "size": 1,
                            # A headline from the title before a derived one; the first published.
                            "sort": [
                                {"headline_derived": {"order": "asc", "missing": "_last"}},
                                {"event_time": {"order": "asc", "missing": "_last"}},
                                {"id": "asc"},
                            ],
                            "_source": STORY_FIELDS,
                        }
                    },
                    "entities": {"terms": {"field": "entity_names", "size": 6}},
                    "countries": {"terms": {"field": "countries", "size": 5}},
                    "recent": {
                        "filter": _between(recent_start, until),
                        "aggs": {"sources": {"cardinality": {"field": "source"}}},
                    },
                    "earlier": {"filter": _between(history_start, recent_start)},
                    "spark": {
                        "filter": {"range": {"event_time": {"gte": spark_start.isoformat()}}},
                        "aggs": {
                            "per": {
                                "date_histogram": {
                                    "field": "event_time",
                                    "fixed_interval": f"{SPARK_MINUTES}m",
                                    "min_doc_count": 0,
                                    "extended_bounds": {
                                        "min": spark_start.isoformat(),
                                        "max": until.isoformat(),
                                    },
                                }
                            }
                        },
                    },
                },
            }
        },
    }


def _iso(millis: float | None) -> str | None:
    return None if millis is None else datetime.fromtimestamp(millis / 1000, UTC).isoformat()


def _counts(found: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [{"value": b["key"], "count": b["doc_count"]} for b in found.get(name, {}).get("buckets", [])]


def _title(article: dict[str, Any]) -> str:
    return str(article.get("headline") or article.get("title") or "")


def stories_of(
    response: dict[str, Any], baseline: dict[str, Any] | None = None, policy: StoryGrowth | None = None
) -> list[dict[str, Any]]:
    """The API's story rows from the engine's answers to :func:`stories_body` and
    :func:`baseline_body`; breaking stories first (fastest growing first), then by activity."""
    policy = policy or StoryGrowth()
    day_articles, day_stories = 0, 0
    if baseline is not None:
        total = baseline["hits"]["total"]
        day_articles = total["value"] if isinstance(total, dict) else total
        day_stories = baseline.get("aggregations", {}).get("stories", {}).get("value", 0)
    rows = []
    for bucket in response.get("aggregations", {}).get("stories", {}).get("buckets", []):
        hits = bucket["best"]["hits"]["hits"]
        best = hits[0]["_source"] if hits else {}
        spark = bucket["spark"]["per"]["buckets"][-SPARK_POINTS:]
        growth = Growth(
            recent=bucket["recent"]["doc_count"],
            recent_sources=bucket["recent"]["sources"]["value"],
            earlier=bucket["earlier"]["doc_count"],
            day_articles=day_articles,
            day_stories=day_stories,
        )
        rows.append(
            {
                "story_id": bucket["key"],
                "headline": _title(best),
                "headline_derived": bool(best.get("headline_derived")),
                "article": best,
                "articles": bucket["doc_count"],
                "copies": bucket["copies"]["doc_count"],
                "sources": bucket["sources"]["value"],
                "first_seen": _iso(bucket["first"]["value"]),
                "last_update": _iso(bucket["last"]["value"]),
                "sparkline": [b["doc_count"] for b in spark],
                "entities": [b["key"] for b in bucket["entities"]["buckets"]],
                "countries": [b["key"] for b in bucket["countries"]["buckets"]],
                "breaking": is_breaking(growth, policy),
                "growth": {
                    "recent": growth.recent,
                    "recent_sources": growth.recent_sources,
                    "minutes": policy.minutes,
                    "ratio": round(growth.ratio(policy), 1),
                },
            }
        )
    breaking = sorted((r for r in rows if r["breaking"]), key=lambda r: -r["growth"]["ratio"])
    return breaking + [r for r in rows if not r["breaking"]]


FRONT_PAGE_HOURS = (24, 24 * 7, 24 * 30, 24 * 365)
"""Windows the front page widens through until it holds ``MIN_FRONT_STORIES`` stories."""
MIN_FRONT_STORIES = 10


@router.get("/stories")
def list_stories(
    request: Request,
    filters: Filters,
    hours: Annotated[
        float | None,
        Query(gt=0, le=24 * 366 * 30, description="How far back from `until` (default: the last day)"),
    ] = None,
    size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Stories (one row per event) with an article in the ``hours`` before ``until``,
    newest activity first, each counted whole. Without ``until``: up to the newest article matching the
    filters (a desk opening on a replayed archive sees its last news, not an empty page).
    Without ``hours``: the last day, widened to a week, a month, a year while it holds
    fewer than ten stories."""
    engine, settings = _state(request)
    index = settings.search.articles_index
    until = filters.until or newest_time(engine, index, filters.model_copy(update={"since": None}))
    if until is None:
        return {"since": None, "until": None, "spark_minutes": SPARK_MINUTES, "stories": []}
    until = bounded_time(until, "until") or until
    # The newest article itself lies at ``until``: the range ends just after it.
    end = until + timedelta(milliseconds=1)
    spans = (hours,) if hours is not None else FRONT_PAGE_HOURS
    for span in spans:
        since = until - timedelta(hours=span)
        if filters.since is not None:
            since = max(since, filters.since)
        ids = story_ids(engine.search(index, active_stories_body(filters, since, end, size)))
        if len(ids) >= MIN_FRONT_STORIES:
            break
    rows: list[dict[str, Any]] = []
    if ids:
        found, baseline = engine.search_many(
            index, [stories_body(filters, ids, end), baseline_body(filters, end, StoryGrowth())]
        )
        rows = stories_of(found, baseline)
        shared_titles(request).apply([row["article"] for row in rows])
        for row in rows:
            if row["article"].get("headline_derived") and not row["headline_derived"]:
                row["headline"], row["headline_derived"] = _title(row["article"]), True
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "spark_minutes": SPARK_MINUTES,
        "stories": rows,
    }


def fold_copies(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Articles by source, each copy under the article it copies (when that is in the story)."""
    by_id = {a["id"]: {**a, "copies": []} for a in articles}
    top: list[dict[str, Any]] = []
    for article in by_id.values():
        original = (article.get("duplicate") or {}).get("of")
        if original in by_id and original != article["id"]:
            by_id[original]["copies"].append(article)
        else:
            top.append(article)
    sources: dict[str, list[dict[str, Any]]] = {}
    for article in top:
        sources.setdefault(article.get("source") or "(unknown source)", []).append(article)
    return [
        {"source": source, "articles": items}
        for source, items in sorted(sources.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


@router.get("/stories/{story_id}")
def get_story(story_id: Annotated[str, Path(max_length=600)], request: Request) -> dict[str, Any]:
    """One story: its articles by source (oldest first, copies folded), its entities,
    countries, speakers and headline."""
    engine, settings = _state(request)
    body = {
        "size": MAX_STORY_ARTICLES,
        "query": {"bool": {"filter": [{"term": {"story_id": story_id}}]}},
        "sort": [{"event_time": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
        "_source": STORY_FIELDS,
        "track_total_hits": True,
        "aggs": {
            "entities": {"terms": {"field": "entity_names", "size": 15}},
            "speakers": {"terms": {"field": "speakers", "size": 10}},
            "countries": {"terms": {"field": "countries", "size": 10}},
            "sources": {"cardinality": {"field": "source"}},
        },
    }
    response = engine.search(settings.search.articles_index, body)
    articles = [hit["_source"] for hit in response["hits"]["hits"]]
    if not articles:
        raise HTTPException(404, f"no story with id {story_id!r}")
    shared_titles(request).apply(articles)
    found = response.get("aggregations", {})
    named = [a for a in articles if not a.get("headline_derived")] or articles
    total = response["hits"]["total"]
    return {
        "story_id": story_id,
        "headline": _title(named[0]),
        "articles": total["value"] if isinstance(total, dict) else total,
        "sources": found.get("sources", {}).get("value", 0),
        "first_seen": articles[0].get("event_time"),
        "last_update": articles[-1].get("event_time"),
        "by_source": fold_copies(articles),
        **{name: _counts(found, name) for name in ("entities", "speakers", "countries")},
    }
