"""The alerts feed (filters, newest first, deep pagination) and acknowledging an alert."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from newsmon.api.auth import require_write_token
from newsmon.api.queries import TIME_THEN_ID, decode_cursor, encode_cursor
from newsmon.connectors.search import SearchEngine
from newsmon.settings import Settings

router = APIRouter(prefix="/api/alerts", tags=["alerts"])
Severity = Literal["info", "low", "medium", "high", "critical"]


class Acknowledgement(BaseModel):
    by: str | None = Field(default=None, max_length=100, description="Who acknowledged it")


def acknowledgement_fields(ack: Acknowledgement | None) -> dict[str, Any]:
    """What acknowledging writes on an alert: seen, when, by whom."""
    return {
        "acknowledged": True,
        "acknowledged_at": datetime.now(UTC).isoformat(),
        "acknowledged_by": ack.by if ack else None,
    }


def rule_filters(rule: list[str] | None, severity: list[Severity] | None) -> list[dict[str, Any]]:
    """Alerts of these rules and severities (none given: all)."""
    filters: list[dict[str, Any]] = []
    if rule:
        filters.append({"terms": {"rule_id": rule}})
    if severity:
        filters.append({"terms": {"severity": severity}})
    return filters


def _state(request: Request) -> tuple[SearchEngine, Settings]:
    return request.app.state.engine, request.app.state.settings


@router.get("")
def list_alerts(
    request: Request,
    rule: Annotated[list[str] | None, Query(max_length=20)] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    acknowledged: bool | None = None,
    article: Annotated[str | None, Query(max_length=512)] = None,
    size: Annotated[int, Query(ge=1)] = 20,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> dict[str, Any]:
    """Alerts, newest first; ``next`` pages on."""
    engine, settings = _state(request)
    if size > settings.api.max_page_size:
        raise HTTPException(422, f"size is at most {settings.api.max_page_size}")
    filters = rule_filters(rule, severity)
    if article:
        filters.append({"term": {"article_id": article}})
    must_not: list[dict[str, Any]] = []
    if acknowledged is True:
        filters.append({"term": {"acknowledged": True}})
    elif acknowledged is False:
        must_not.append({"term": {"acknowledged": True}})
    body: dict[str, Any] = {
        "size": size,
        "query": {"bool": {"filter": filters, "must_not": must_not}},
        "sort": [{"created_at": "desc"}, {"id": "asc"}],
        "track_total_hits": True,
    }
    if cursor:
        body["search_after"] = decode_cursor(cursor, TIME_THEN_ID)
    response = engine.search(settings.search.alerts_index, body)
    hits = response["hits"]["hits"]
    return {
        "total": response["hits"]["total"]["value"],
        "alerts": [hit["_source"] for hit in hits],
        "next": encode_cursor(hits[-1]["sort"]) if len(hits) == size else None,
    }


@router.post("/{alert_id}/ack", dependencies=[Depends(require_write_token)])
def acknowledge(
    alert_id: Annotated[str, Path(max_length=64)], request: Request, ack: Acknowledgement | None = None
) -> dict[str, Any]:
    """Mark an alert as seen by the desk."""
    engine, settings = _state(request)
    fields = acknowledgement_fields(ack)
    if not engine.update_document(settings.search.alerts_index, alert_id, fields):
        raise HTTPException(404, f"no alert with id {alert_id!r}")
    return {"id": alert_id, **fields}


GROUP_OVERFETCH = 4
"""Groups fetched per group shown when only open ones are wanted (the open test needs
each group's first alert, which the engine cannot filter on)."""


def groups_body(filters: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """One hit per alert group (a rule on one story), its latest alert first, with the
    group's first alert (why it fired first) and its size."""
    return {
        "size": size,
        "query": {"bool": {"filter": filters}},
        "sort": [{"created_at": "desc"}, {"id": "asc"}],
        "collapse": {
            "field": "group",
            "inner_hits": {"name": "first", "size": 1, "sort": [{"created_at": "asc"}, {"id": "asc"}]},
        },
        "track_total_hits": False,
    }


def group_stats_body(groups: list[str]) -> dict[str, Any]:
    """Per group: how many alerts, distinct sources and stories, and the newest alert time."""
    return {
        "size": 0,
        "query": {"terms": {"group": groups}},
        "aggs": {
            "groups": {
                "terms": {"field": "group", "size": len(groups)},
                "aggs": {
                    "sources": {"cardinality": {"field": "source"}},
                    "articles": {"cardinality": {"field": "article_id"}},
                    "acknowledged": {"filter": {"term": {"acknowledged": True}}},
                },
            }
        },
    }


def group_rows(response: dict[str, Any], stats: dict[str, Any]) -> list[dict[str, Any]]:
    """The API's alert groups from the answers to :func:`groups_body` and :func:`group_stats_body`."""
    counts = {
        b["key"]: (
            b["doc_count"],
            b["sources"]["value"],
            b["articles"]["value"],
            b["acknowledged"]["doc_count"],
        )
        for b in stats.get("aggregations", {}).get("groups", {}).get("buckets", [])
    }
    rows = []
    for hit in response["hits"]["hits"]:
        latest = hit["_source"]
        first_hits = hit["inner_hits"]["first"]["hits"]["hits"]
        first = first_hits[0]["_source"] if first_hits else latest
        alerts, sources, articles, acknowledged = counts.get(latest["group"], (1, 1, 1, 0))
        rows.append(
            {
                "group": latest["group"],
                "first": first,
                "latest": latest,
                "alerts": alerts,
                "articles": articles,
                "sources": sources,
                "acknowledged": bool(first.get("acknowledged")),
                "acknowledged_alerts": acknowledged,
            }
        )
    return rows


@router.get("/groups")
def list_alert_groups(
    request: Request,
    rule: Annotated[list[str] | None, Query(max_length=20)] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    acknowledged: bool | None = None,
    size: Annotated[int, Query(ge=1, le=100)] = 30,
) -> dict[str, Any]:
    """Alerts folded by group (one rule on one story), the group with the newest alert
    first: its first alert (why it fired), its latest (headline), how many articles and
    sources. ``acknowledged`` filters on the group's first alert: a story acknowledged
    stays so while it grows."""
    engine, settings = _state(request)
    filters = rule_filters(rule, severity)
    fetch = size if acknowledged is None else size * GROUP_OVERFETCH
    response = engine.search(settings.search.alerts_index, groups_body(filters, fetch))
    keys = [hit["_source"]["group"] for hit in response["hits"]["hits"] if hit["_source"].get("group")]
    stats = engine.search(settings.search.alerts_index, group_stats_body(keys)) if keys else {}
    rows = group_rows(response, stats)
    if acknowledged is not None:
        rows = [r for r in rows if r["acknowledged"] == acknowledged]
    return {"groups": rows[:size]}


@router.post("/groups/{group}/ack", dependencies=[Depends(require_write_token)])
def acknowledge_group(
    group: Annotated[str, Path(max_length=700)], request: Request, ack: Acknowledgement | None = None
) -> dict[str, Any]:
    """Acknowledge every alert of a group (a rule on one story) at once."""
    engine, settings = _state(request)
    fields = acknowledgement_fields(ack)
    updated = engine.update_matching(settings.search.alerts_index, {"term": {"group": group}}, fields)
    if not updated:
        raise HTTPException(404, f"no alert group {group!r}")
    return {"group": group, "alerts": updated, **fields}
