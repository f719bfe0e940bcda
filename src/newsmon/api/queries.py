"""Search requests built from typed, validated filters: no raw query strings reach the
engine except through ``simple_query_string`` (which never raises on bad syntax and has
no scripting, regex or wildcard-field access).

Pure functions, tested without an engine; the routers run what they build.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from newsmon.exceptions import NewsmonError

# Highlight markers from the Unicode private-use area: the engine wraps hits in them, the
# API splits on them, and article text never travels as HTML.
HIT_START, HIT_END = "\ue000", "\ue001"
FACETS = {
    "entities": "entity_names",
    "speakers": "speakers",
    "topics": "topic_labels",
    "regions": "regions",
    "countries": "countries",
    "sources": "source",
    "languages": "language",
}
OVER_TIME, MAP = "over_time", "map"
TIME_BUCKETS = 60
"""Articles over time: at most this many intervals, as long as the results' span needs."""
Sort = Literal["relevance", "newest", "oldest"]
CursorShape = tuple[Literal["number", "string"], ...]
"""The sort values a cursor holds, in order: what ``search_after`` of that sort expects."""
TIME_THEN_ID: CursorShape = ("number", "string")
CURSOR_SHAPES: dict[str, CursorShape] = {
    "relevance": ("number", "number", "string"),
    "newest": TIME_THEN_ID,
    "oldest": TIME_THEN_ID,
}
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Times the API accepts in a query: beyond them no article lies, and date arithmetic fails."""
_BAD_CURSOR = "bad cursor: pass back the 'next' value of a previous page"


class BadRequestError(NewsmonError):
    """A request the API refuses for what it asks (answered 422 with the reason)."""


class BadCursorError(BadRequestError):
    """A pagination cursor that this API did not hand out."""


def bounded_time(value: datetime | None, name: str) -> datetime | None:
    """``value`` in UTC, or :class:`BadRequestError` if it lies outside 1900 .. 2200."""
    if value is None:
        return None
    try:
        utc = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError as e:
        raise BadRequestError(f"{name}: outside the calendar once in UTC") from e
    if not EARLIEST <= utc <= LATEST:
        raise BadRequestError(f"{name}: must lie between {EARLIEST.year} and {LATEST.year}")
    return utc


class ArticleFilters(BaseModel):
    """What the desk narrows articles down by; every list means "all of these"."""

    q: str | None = Field(default=None, max_length=500, description="Words; quotes, -not, OR (|)")
    entity: list[str] = Field(default_factory=list, max_length=20)
    speaker: list[str] = Field(default_factory=list, max_length=20)
    topic: list[str] = Field(default_factory=list, max_length=20)
    region: list[str] = Field(default_factory=list, max_length=20)
    country: list[str] = Field(default_factory=list, max_length=20)
    source: list[str] = Field(default_factory=list, max_length=20)
    story: str | None = Field(default=None, max_length=600, description="Articles of one story")
    language: str | None = Field(default=None, max_length=20)
    since: datetime | None = Field(default=None, description="Published at or after")
    until: datetime | None = Field(default=None, description="Published before")
    copies: bool = Field(default=True, description="False: leave out copies of earlier articles")


def _time_range(field: str, since: datetime | None, until: datetime | None) -> dict[str, Any]:
    bounds: dict[str, str] = {}
    if since is not None:
        bounds["gte"] = since.isoformat()
    if until is not None:
        bounds["lt"] = until.isoformat()
    return {"range": {field: bounds}}


def filter_clauses(filters: ArticleFilters) -> list[dict[str, Any]]:
    """The filters as engine ``filter`` clauses (cached by the engine, no scoring)."""
    clauses: list[dict[str, Any]] = []
    for values, field in (
        (filters.entity, "entity_names"),
        (filters.speaker, "speakers"),
        (filters.topic, "topic_labels"),
        (filters.region, "regions"),
        ([c.upper() for c in filters.country], "countries"),
        (filters.source, "source"),
    ):
        clauses.extend({"term": {field: value}} for value in values)
    if filters.language:
        clauses.append({"term": {"language": filters.language.lower()}})
    if filters.story:
        clauses.append({"term": {"story_id": filters.story}})
    if not filters.copies:
        clauses.append({"bool": {"must_not": {"exists": {"field": "duplicate.of"}}}})
    if filters.since is not None or filters.until is not None:
        clauses.append(_time_range("event_time", filters.since, filters.until))
    return clauses


def article_query(filters: ArticleFilters) -> dict[str, Any]:
    must: list[dict[str, Any]] = []
    if filters.q and filters.q.strip():
        must.append(
            {
                "simple_query_string": {
                    "query": filters.q,
                    "fields": ["title^2", "body"],
                    "default_operator": "and",
                    # No prefix/fuzzy/near operators: a query's cost stays bounded.
                    "flags": "AND|OR|NOT|PHRASE|PRECEDENCE|WHITESPACE|ESCAPE",
                }
            }
        )
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filter_clauses(filters)}}


def sort_clause(sort: Sort) -> list[dict[str, Any]]:
    """Every sort ends on the id: ``search_after`` needs a total order."""
    newest = {"event_time": {"order": "desc", "missing": "_last"}}
    if sort == "relevance":
        return [{"_score": "desc"}, newest, {"id": "asc"}]
    if sort == "newest":
        return [newest, {"id": "asc"}]
    return [{"event_time": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]


def encode_cursor(sort_values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values).encode()).decode().rstrip("=")


def decode_json_cursor(cursor: str) -> Any:
    """The JSON inside a cursor (any shape: the caller checks it)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError) as e:
        raise BadCursorError(_BAD_CURSOR) from e


def is_sort_values(values: Any, shape: CursorShape) -> bool:
    """Whether ``values`` are sort values of ``shape``: finite 64-bit numbers and short strings."""
    if not isinstance(values, list) or len(values) != len(shape):
        return False
    for value, kind in zip(values, shape, strict=True):
        if kind == "string" and not (isinstance(value, str) and len(value) <= 600):
            return False
        if kind == "number" and not (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and abs(value) <= 2**63
        ):
            return False
    return True


def decode_cursor(cursor: str, shape: CursorShape) -> list[Any]:
    """The sort values of a cursor this API handed out for a sort of ``shape``."""
    values = decode_json_cursor(cursor)
    if not is_sort_values(values, shape):
        raise BadCursorError(_BAD_CURSOR)
    result: list[Any] = values
    return result


SUMMARY_FIELDS = [
    "id",
    "title",
    "headline",
    "headline_derived",
    "source",
    "url",
    "published_at",
    "ingested_at",
    "event_time",
    "indexed_at",
    "language",
    "entity_names",
    "speakers",
    "topic_labels",
    "countries",
    "regions",
    "duplicate",
    "story_id",
]


def search_body(
    filters: ArticleFilters,
    sort: Sort,
    size: int,
    cursor: str | None,
    facets: bool,
    by_story: bool = False,
) -> dict[str, Any]:
    """One page of articles (summaries, highlights, and the facets of the whole query); with
    ``by_story``, one row per story (its best article) listing the story's other sources."""
    body: dict[str, Any] = {
        "size": size,
        "query": article_query(filters),
        "sort": sort_clause(sort),
        "_source": SUMMARY_FIELDS,
        "track_total_hits": True,
        "highlight": {
            "pre_tags": [HIT_START],
            "post_tags": [HIT_END],
            "fields": {
                "title": {"number_of_fragments": 0},
                "body": {"fragment_size": 160, "number_of_fragments": 2},
            },
        },
    }
    if cursor:
        if by_story:
            raise BadCursorError("pages of stories are not cursored: narrow the query instead")
        body["search_after"] = decode_cursor(cursor, CURSOR_SHAPES[sort])
    if by_story:
        body["collapse"] = {
            "field": "story_id",
            "inner_hits": {
                "name": "story",
                "size": 10,
                "_source": ["id", "title", "source", "url", "published_at"],
                "sort": [{"event_time": "asc"}],
            },
        }
    if facets:
        body["aggs"] = {name: {"terms": {"field": field, "size": 10}} for name, field in FACETS.items()}
        # The desk's chart and map: articles over time, and every country's count.
        body["aggs"][OVER_TIME] = {"auto_date_histogram": {"field": "event_time", "buckets": TIME_BUCKETS}}
        body["aggs"][MAP] = {"terms": {"field": "countries", "size": 300}}
    return body


def split_highlight(fragment: str) -> list[dict[str, Any]]:
    """A highlighted fragment as segments ``{"text", "hit"}`` for the client to render as text."""
    segments: list[dict[str, Any]] = []
    rest = fragment
    while rest:
        start = rest.find(HIT_START)
        if start < 0:
            segments.append({"text": rest.replace(HIT_END, ""), "hit": False})
            break
        if start:
            segments.append({"text": rest[:start].replace(HIT_END, ""), "hit": False})
        end = rest.find(HIT_END, start)
        end = len(rest) if end < 0 else end
        segments.append({"text": rest[start + 1 : end], "hit": True})
        rest = rest[end + 1 :]
    return [s for s in segments if s["text"]]


def _more(hits: list[dict[str, Any]], size: int) -> bool:
    """A full page that is not collapsed by story may have a next one."""
    return len(hits) == size and bool(hits) and "inner_hits" not in hits[0]


def page_of(response: dict[str, Any], size: int) -> dict[str, Any]:
    """The API's answer from the engine's: articles with highlight segments, facets, next cursor."""
    hits = response["hits"]["hits"]
    articles = []
    for hit in hits:
        highlight = hit.get("highlight", {})
        articles.append(
            {
                **hit["_source"],
                "score": hit.get("_score"),
                "highlights": {
                    field: [split_highlight(fragment) for fragment in fragments]
                    for field, fragments in highlight.items()
                },
            }
        )
    for article, hit in zip(articles, hits, strict=True):
        story = hit.get("inner_hits", {}).get("story")
        if story is not None:
            total = story["hits"]["total"]
            article["story"] = {
                "articles": total["value"] if isinstance(total, dict) else total,
                "sources": [h["_source"] for h in story["hits"]["hits"]],
            }
    aggregations = dict(response.get("aggregations", {}))
    over_time = aggregations.pop(OVER_TIME, None)
    countries = aggregations.pop(MAP, None)
    facets = {
        name: [{"value": b["key"], "count": b["doc_count"]} for b in agg["buckets"]]
        for name, agg in aggregations.items()
    }
    total = response["hits"]["total"]
    extra: dict[str, Any] = {}
    if over_time is not None:
        extra["over_time"] = {
            "interval": over_time.get("interval"),
            "buckets": [{"time": b["key_as_string"], "count": b["doc_count"]} for b in over_time["buckets"]],
        }
    if countries is not None:
        extra["countries"] = {b["key"]: b["doc_count"] for b in countries["buckets"]}
    return {
        "total": total["value"] if isinstance(total, dict) else total,
        "articles": articles,
        "facets": facets,
        **extra,
        "next": (
            encode_cursor(hits[-1]["sort"])
            if len(hits) == size and hits and "inner_hits" not in hits[0]
            else None
        ),
    }
