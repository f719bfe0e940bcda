"""Entity pages: a person, organisation or place with its mentions over time, its latest
quotes (with the article), what it is quoted about, who it appears with, its sources and
countries, and the rules a desk can make of it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request

from newsmon.api.queries import SUMMARY_FIELDS
from newsmon.connectors.search import SearchEngine
from newsmon.settings import Settings

router = APIRouter(prefix="/api", tags=["entities"])
LATEST_QUOTES = 10
COMPANY_TYPES = ("PERSON", "ORG")
"""Who an entity appears with: people and organisations (not nationalities or places)."""
TIME_BUCKETS = 60
"""Mentions over time: at most this many intervals, as long as the entity's span needs."""


def _terms(field: str, size: int) -> dict[str, Any]:
    return {"terms": {"field": field, "size": size}}


def entity_body(name: str, buckets: int = TIME_BUCKETS) -> dict[str, Any]:
    """Articles that name ``name`` or quote it, with what the page shows as aggregations."""
    named = {"term": {"entity_names": name}}
    quoted = {"term": {"speakers": name}}
    return {
        "size": 0,
        "track_total_hits": True,
        "query": {"bool": {"should": [named, quoted], "minimum_should_match": 1}},
        "aggs": {
            "named": {"filter": named},
            "quoted": {"filter": quoted, "aggs": {"about": _terms("topic_labels", 8)}},
            "over_time": {"auto_date_histogram": {"field": "event_time", "buckets": buckets}},
            "with": {
                "nested": {"path": "entities"},
                "aggs": {
                    "others": {
                        "filter": {
                            "bool": {
                                "filter": {"terms": {"entities.type": list(COMPANY_TYPES)}},
                                "must_not": {"term": {"entities.canonical": name}},
                            }
                        },
                        "aggs": {
                            "names": {
                                "terms": {"field": "entities.canonical", "size": 12},
                                "aggs": {"articles": {"reverse_nested": {}}},
                            }
                        },
                    }
                },
            },
            "sources": _terms("source", 10),
            "countries": _terms("countries", 10),
            "topics": _terms("topic_labels", 8),
            "first": {"min": {"field": "event_time"}},
            "last": {"max": {"field": "event_time"}},
            "as": {
                "nested": {"path": "entities"},
                "aggs": {
                    "this": {
                        "filter": {"term": {"entities.canonical": name}},
                        "aggs": {
                            "type": _terms("entities.type", 3),
                            "aliases": _terms("entities.aliases", 10),
                        },
                    }
                },
            },
        },
    }


def quotes_body(name: str) -> dict[str, Any]:
    """The latest articles quoting ``name``, with the quotes themselves (nested inner hits)."""
    return {
        "size": LATEST_QUOTES,
        "query": {
            "nested": {
                "path": "quotes",
                "query": {"term": {"quotes.speaker": name}},
                "inner_hits": {"size": 3, "_source": ["quotes.text", "quotes.start", "quotes.end"]},
            }
        },
        "sort": [{"event_time": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
        "_source": ["id", "title", "headline", "source", "url", "event_time", "story_id"],
    }


def _a_name(alias: str, name: str) -> bool:
    """An alias that names (a surname, a spelling), not a description ("the president")."""
    first = alias.split(maxsplit=1)[0].casefold() if alias.strip() else ""
    return alias != name and first not in _DESCRIPTION_OPENINGS and alias[:1].isupper()


_DESCRIPTION_OPENINGS = frozenset("the a an this that his her its their our".split())


def _buckets(found: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [{"value": b["key"], "count": b["doc_count"]} for b in found.get(name, {}).get("buckets", [])]


def entity_page(name: str, stats: dict[str, Any], quoting: dict[str, Any]) -> dict[str, Any]:
    """The page from the engine's answers to :func:`entity_body` and :func:`quotes_body`."""
    found = stats.get("aggregations", {})
    this = found.get("as", {}).get("this", {})
    quotes = []
    for hit in quoting["hits"]["hits"]:
        article = hit["_source"]
        for inner in hit.get("inner_hits", {}).get("quotes", {}).get("hits", {}).get("hits", []):
            quotes.append(
                {
                    "text": inner["_source"].get("text", ""),
                    "article_id": article["id"],
                    "headline": article.get("headline") or article.get("title") or "",
                    "source": article.get("source"),
                    "url": article.get("url"),
                    "event_time": article.get("event_time"),
                    "story_id": article.get("story_id"),
                }
            )
    types = _buckets(this, "type")
    total = stats["hits"]["total"]
    return {
        "name": name,
        "type": types[0]["value"] if types else None,
        "aliases": [b["value"] for b in _buckets(this, "aliases") if _a_name(b["value"], name)],
        "articles": total["value"] if isinstance(total, dict) else total,
        "mentioned_in": found.get("named", {}).get("doc_count", 0),
        "quoted_in": found.get("quoted", {}).get("doc_count", 0),
        "first_seen": found.get("first", {}).get("value_as_string"),
        "last_seen": found.get("last", {}).get("value_as_string"),
        "interval": found.get("over_time", {}).get("interval"),
        "over_time": [
            {"time": b["key_as_string"], "count": b["doc_count"]}
            for b in found.get("over_time", {}).get("buckets", [])
        ],
        "latest_quotes": quotes[:LATEST_QUOTES],
        "quoted_about": _buckets(found.get("quoted", {}), "about"),
        "appears_with": [
            {"value": b["key"], "count": b["articles"]["doc_count"]}
            for b in found.get("with", {}).get("others", {}).get("names", {}).get("buckets", [])
        ],
        "sources": _buckets(found, "sources"),
        "countries": _buckets(found, "countries"),
        "topics": _buckets(found, "topics"),
        "rules": suggested_rules(name, types[0]["value"] if types else None, _buckets(found, "countries")),
    }


def suggested_rules(name: str, kind: str | None, countries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rules the page offers to create in one click (the rules API's format)."""
    slug = "".join(c if c.isalnum() else "-" for c in name.casefold()).strip("-")[:60] or "entity"
    rules: list[dict[str, Any]] = []
    if kind in (None, "PERSON", "ORG", "NORP"):
        rules.append({"id": f"quoted-{slug}", "name": f"{name} quoted", "when": {"quoted": name}})
    rules.append({"id": f"mentioned-{slug}", "name": f"{name} mentioned", "when": {"entity": name}})
    if countries:
        code = countries[0]["value"]
        rules.append(
            {
                "id": f"mentioned-{slug}-in-{code.lower()}",
                "name": f"{name} mentioned, in {code}",
                "when": {"all": [{"entity": name}, {"country": code}]},
            }
        )
    return rules


@router.get("/entities/{name}")
def get_entity(
    name: Annotated[str, Path(min_length=1, max_length=300)],
    request: Request,
) -> dict[str, Any]:
    """The page of one canonical entity (the name the facets and ``entity_names`` use)."""
    engine: SearchEngine = request.app.state.engine
    settings: Settings = request.app.state.settings
    index = settings.search.articles_index
    stats, quoting = engine.search_many(index, [entity_body(name), quotes_body(name)])
    page = entity_page(name, stats, quoting)
    if not page["articles"]:
        raise HTTPException(404, f"no article names {name!r}")
    return page


@router.get("/entities/{name}/articles")
def entity_articles(
    name: Annotated[str, Path(min_length=1, max_length=300)],
    request: Request,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """The latest articles naming or quoting the entity."""
    engine: SearchEngine = request.app.state.engine
    settings: Settings = request.app.state.settings
    body = {
        "size": size,
        "query": {
            "bool": {
                "should": [{"term": {"entity_names": name}}, {"term": {"speakers": name}}],
                "minimum_should_match": 1,
            }
        },
        "sort": [{"event_time": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
        "_source": SUMMARY_FIELDS,
    }
    response = engine.search(settings.search.articles_index, body)
    return {"articles": [hit["_source"] for hit in response["hits"]["hits"]]}
