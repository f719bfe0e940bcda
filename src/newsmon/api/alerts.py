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
    filters: list[dict[str, Any]] = []
    if rule:
        filters.append({"terms": {"rule_id": rule}})
    if severity:
        filters.append({"terms": {"severity": severity}})
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
    fields = {
        "acknowledged": True,
        "acknowledged_at": datetime.now(UTC).isoformat(),
        "acknowledged_by": ack.by if ack else None,
    }
    if not engine.update_document(settings.search.alerts_index, alert_id, fields):
        raise HTTPException(404, f"no alert with id {alert_id!r}")
    return {"id": alert_id, **fields}
