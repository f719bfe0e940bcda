"""Live: server-sent events of new articles (matching the desk's filters) and new alerts.

Each event's id is a cursor over both streams (``indexed_at``, then document id); a client
that reconnects with ``Last-Event-ID`` (browsers do it by themselves) resumes exactly after
the last event it got: nothing missed, nothing twice. Documents are sent once they are
``settle_s`` old, so that a bulk request still in flight or an index refresh (1 s) cannot
let a later document overtake an earlier one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from newsmon.api.alerts import Severity, rule_filters
from newsmon.api.articles import Filters
from newsmon.api.queries import (
    SUMMARY_FIELDS,
    TIME_THEN_ID,
    BadCursorError,
    article_query,
    decode_json_cursor,
    encode_cursor,
    is_sort_values,
)
from newsmon.connectors.search import SearchEngine
from newsmon.settings import Settings

router = APIRouter(prefix="/api", tags=["live"])
_LOG = logging.getLogger(__name__)
Stream = Literal["articles", "alerts"]
POLL_S = 1.0
SETTLE_S = 2.0
HEARTBEAT_S = 15.0


def _now_ms() -> int:
    return int(time.time() * 1000)


def _fetch(
    engine: SearchEngine, index: str, query: dict[str, Any], after: list[Any], fields: list[str] | None
) -> list[dict[str, Any]]:
    settled = _now_ms() - int(SETTLE_S * 1000)
    body: dict[str, Any] = {
        "size": 100,
        "query": {"bool": {"must": [query], "filter": [{"range": {"indexed_at": {"lt": settled}}}]}},
        "sort": [{"indexed_at": "asc"}, {"id": "asc"}],
        "search_after": after,
    }
    if fields is not None:
        body["_source"] = fields
    hits: list[dict[str, Any]] = engine.search(index, body)["hits"]["hits"]
    return hits


def _alert_query(severities: list[Severity] | None, rules: list[str] | None) -> dict[str, Any]:
    filters = rule_filters(rules, severities)
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


def _resume_points(last_event_id: str) -> list[list[Any] | None]:
    """Where each stream resumes after the event ``last_event_id`` (None: from now)."""
    try:
        points = decode_json_cursor(last_event_id)
    except BadCursorError as e:
        raise HTTPException(422, "bad Last-Event-ID: pass back the id of an event of this stream") from e
    if not (
        isinstance(points, list)
        and len(points) == 2
        and all(p is None or is_sort_values(p, TIME_THEN_ID) for p in points)
    ):
        raise HTTPException(422, "bad Last-Event-ID: pass back the id of an event of this stream")
    return points


@router.get("/live")
async def live(
    request: Request,
    filters: Filters,
    stream: Annotated[list[Stream] | None, Query(description="articles, alerts (default both)")] = None,
    severity: Annotated[list[Severity] | None, Query(description="Alerts of these severities only")] = None,
    rule: Annotated[list[str] | None, Query(max_length=20, description="Alerts of these rules only")] = None,
    last_event_id: Annotated[str | None, Header(max_length=2000)] = None,
) -> StreamingResponse:
    """Server-sent events ``article`` (matching the article filters) and ``alert`` (matching
    ``severity`` and ``rule``), JSON data, as they land."""
    engine: SearchEngine = request.app.state.engine
    settings: Settings = request.app.state.settings
    streams = list(dict.fromkeys(stream or ["articles", "alerts"]))
    start = [_now_ms() - int(SETTLE_S * 1000), ""]
    cursors: dict[str, list[Any]] = dict.fromkeys(streams, start)
    if last_event_id:
        for name, after in zip(("articles", "alerts"), _resume_points(last_event_id), strict=True):
            if name in cursors and after is not None:
                cursors[name] = after
    sources = {
        "articles": (settings.search.articles_index, article_query(filters), SUMMARY_FIELDS),
        "alerts": (settings.search.alerts_index, _alert_query(severity, rule), None),
    }

    async def events() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        last_beat = time.monotonic()
        while not await request.is_disconnected():
            for name in streams:
                index, query, fields = sources[name]
                try:
                    hits = await run_in_threadpool(_fetch, engine, index, query, cursors[name], fields)
                except Exception as e:
                    # A shard still starting (503), an engine restart: keep the stream and its
                    # cursor, and ask again at the next poll. Ending the stream here would
                    # make a client that got no event yet reconnect from "now" and miss some.
                    if not engine.is_transient(e):
                        raise
                    _LOG.warning("live poll failed index=%s error=%s; retrying", index, e)
                    continue
                for hit in hits:
                    cursors[name] = hit["sort"]
                    event_id = encode_cursor([cursors.get("articles"), cursors.get("alerts")])
                    data = json.dumps(hit["_source"], ensure_ascii=False)
                    yield f"id: {event_id}\nevent: {name[:-1]}\ndata: {data}\n\n"
            if time.monotonic() - last_beat > HEARTBEAT_S:
                last_beat = time.monotonic()
                yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_S)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
