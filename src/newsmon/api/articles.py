"""Articles: search with filters, facets, highlights and deep pagination; one article with
its entities, quotes and alerts; trends over time and the top movers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request

from newsmon.api.headlines import SharedTitles
from newsmon.api.queries import (
    FACETS,
    ArticleFilters,
    BadRequestError,
    Sort,
    bounded_time,
    filter_clauses,
    page_of,
    search_body,
)
from newsmon.connectors.search import SearchEngine
from newsmon.settings import Settings

router = APIRouter(prefix="/api", tags=["articles"])
Interval = Literal["5m", "15m", "1h", "6h", "1d", "7d"]
Window = Literal["15m", "1h", "6h", "1d"]
Baseline = Literal["6h", "1d", "7d"]
_SPANS = {"5m": 5, "15m": 15, "1h": 60, "6h": 360, "1d": 1440, "7d": 10080}
MAX_BUCKETS = 5000
"""Intervals a trend may have: a year of hours, two weeks of 5 minutes."""


def _engine(request: Request) -> SearchEngine:
    engine: SearchEngine = request.app.state.engine
    return engine


def shared_titles(request: Request) -> SharedTitles:
    titles: SharedTitles = request.app.state.shared_titles
    return titles


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def article_filters(
    q: Annotated[str | None, Query(max_length=500)] = None,
    entity: Annotated[list[str] | None, Query(max_length=20)] = None,
    speaker: Annotated[list[str] | None, Query(max_length=20)] = None,
    topic: Annotated[list[str] | None, Query(max_length=20)] = None,
    region: Annotated[list[str] | None, Query(max_length=20)] = None,
    country: Annotated[list[str] | None, Query(max_length=20)] = None,
    source: Annotated[list[str] | None, Query(max_length=20)] = None,
    language: Annotated[str | None, Query(max_length=20)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    copies: bool = True,
    story: Annotated[str | None, Query(max_length=600)] = None,
) -> ArticleFilters:
    """The filters from the query string (repeat a parameter for "and")."""
    return ArticleFilters(
        q=q,
        entity=entity or [],
        speaker=speaker or [],
        topic=topic or [],
        region=region or [],
        country=country or [],
        source=source or [],
        language=language,
        since=bounded_time(since, "since"),
        until=bounded_time(until, "until"),
        copies=copies,
        story=story,
    )


Filters = Annotated[ArticleFilters, Depends(article_filters)]


@router.get("/articles")
def search_articles(
    request: Request,
    filters: Filters,
    sort: Sort = "relevance",
    size: Annotated[int, Query(ge=1)] = 20,
    cursor: Annotated[str | None, Query(max_length=1000, description="`next` of the previous page")] = None,
    facets: bool = True,
    by_story: Annotated[bool, Query(description="One row per story, with its sources")] = False,
) -> dict[str, Any]:
    """Full-text search with filters, highlights and facets; ``next`` pages on (search_after).
    With ``by_story``, one row per story (articles on one event) and no cursor."""
    limit = _settings(request).api.max_page_size
    if size > limit:
        raise HTTPException(422, f"size is at most {limit}")
    body = search_body(filters, sort, size, cursor, facets, by_story)
    response = _engine(request).search(_settings(request).search.articles_index, body)
    page = page_of(response, size)
    shared_titles(request).apply(page["articles"])
    return page


@router.get("/articles/{article_id}")
def get_article(article_id: Annotated[str, Path(max_length=512)], request: Request) -> dict[str, Any]:
    """One article with its entities and quotes (character offsets into ``body``), topics,
    places, and the alerts it raised."""
    settings = _settings(request)
    document = _engine(request).get(settings.search.articles_index, article_id)
    if document is None:
        raise HTTPException(404, f"no article with id {article_id!r}")
    alerts = _engine(request).search(
        settings.search.alerts_index,
        {"size": 50, "query": {"term": {"article_id": article_id}}, "sort": [{"created_at": "desc"}]},
    )
    document["alerts"] = [hit["_source"] for hit in alerts["hits"]["hits"]]
    shared_titles(request).apply([document])
    return document


@router.get("/trends")
def trends(
    request: Request,
    entity: Annotated[list[str] | None, Query(max_length=10)] = None,
    topic: Annotated[list[str] | None, Query(max_length=10)] = None,
    region: Annotated[list[str] | None, Query(max_length=10)] = None,
    interval: Interval = "1h",
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    """Articles per interval (event time: published, else arrival) for each chosen entity,
    topic or region."""
    series = (
        [("entity", v, "entity_names") for v in entity or []]
        + [("topic", v, "topic_labels") for v in topic or []]
        + [("region", v, "regions") for v in region or []]
    )
    if not series:
        raise HTTPException(422, "name at least one entity, topic or region")
    window = ArticleFilters(since=bounded_time(since, "since"), until=bounded_time(until, "until"))
    _check_buckets(_engine(request), _settings(request).search.articles_index, window, interval)
    histogram = {"date_histogram": {"field": "event_time", "fixed_interval": interval, "min_doc_count": 0}}
    aggs = {
        f"s{n}": {"filter": {"term": {field: value}}, "aggs": {"over_time": histogram}}
        for n, (_, value, field) in enumerate(series)
    }
    body = {"size": 0, "query": {"bool": {"filter": filter_clauses(window)}}, "aggs": aggs}
    response = _engine(request).search(_settings(request).search.articles_index, body)
    found = response.get("aggregations", {})
    return {
        "interval": interval,
        "series": [
            {
                "kind": kind,
                "value": value,
                "total": found.get(f"s{n}", {}).get("doc_count", 0),
                "buckets": [
                    {"time": b["key_as_string"], "count": b["doc_count"]}
                    for b in found.get(f"s{n}", {}).get("over_time", {}).get("buckets", [])
                ],
            }
            for n, (kind, value, _) in enumerate(series)
        ],
    }


def _check_buckets(engine: SearchEngine, index: str, window: ArticleFilters, interval: Interval) -> None:
    """Refuse a histogram of more than ``MAX_BUCKETS`` intervals (the engine would fail
    after seconds): over ``since`` .. ``until``, or the span of the articles where open."""
    start, end = window.since, window.until
    if start is None or end is None:
        span = {"first": {"min": {"field": "event_time"}}, "last": {"max": {"field": "event_time"}}}
        body = {"size": 0, "query": {"bool": {"filter": filter_clauses(window)}}, "aggs": span}
        found = engine.search(index, body).get("aggregations", {})
        first, last = found.get("first", {}).get("value"), found.get("last", {}).get("value")
        if first is None or last is None:
            return
        start = start or datetime.fromtimestamp(first / 1000, UTC)
        end = end or datetime.fromtimestamp(last / 1000, UTC)
    buckets = (end - start) / timedelta(minutes=_SPANS[interval])
    if buckets > MAX_BUCKETS:
        raise BadRequestError(
            f"{int(buckets)} intervals of {interval} in that range, at most {MAX_BUCKETS}: "
            "choose a longer interval or a shorter range (since, until)"
        )


@router.get("/trends/movers")
def movers(
    request: Request,
    facet: Literal["entities", "speakers", "topics", "regions", "countries", "sources"] = "entities",
    window: Window = "1h",
    baseline: Baseline = "1d",
    now: datetime | None = None,
) -> dict[str, Any]:
    """What rose most in the last ``window`` against its rate over the ``baseline`` before,
    by arrival time (what is moving on the wire now)."""
    end = bounded_time(now, "now") or datetime.now(UTC)
    recent_start = end - timedelta(minutes=_SPANS[window])
    baseline_start = recent_start - timedelta(minutes=_SPANS[baseline])
    field = FACETS[facet]

    def period(start: datetime, stop: datetime) -> dict[str, Any]:
        return {
            "filter": {"range": {"ingested_at": {"gte": start.isoformat(), "lt": stop.isoformat()}}},
            "aggs": {"top": {"terms": {"field": field, "size": 50}}},
        }

    body = {
        "size": 0,
        "query": {"range": {"ingested_at": {"gte": baseline_start.isoformat(), "lt": end.isoformat()}}},
        "aggs": {"recent": period(recent_start, end), "baseline": period(baseline_start, recent_start)},
    }
    found = _engine(request).search(_settings(request).search.articles_index, body).get("aggregations", {})

    def counts(name: str) -> dict[str, int]:
        return {b["key"]: b["doc_count"] for b in found.get(name, {}).get("top", {}).get("buckets", [])}

    recent, before = counts("recent"), counts("baseline")
    scale = _SPANS[window] / _SPANS[baseline]
    scored = sorted(
        (
            (round((count + 1) / (before.get(value, 0) * scale + 1), 2), count, value)
            for value, count in recent.items()
        ),
        key=lambda row: (-row[0], -row[1], row[2]),
    )
    rows = [
        {"value": value, "recent": count, "expected": round(before.get(value, 0) * scale, 2), "ratio": ratio}
        for ratio, count, value in scored[:10]
    ]
    return {"facet": facet, "window": window, "baseline": baseline, "movers": rows}
