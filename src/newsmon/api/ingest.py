"""Push endpoint for publishers and partners: articles in, validated exactly as the
pipeline validates them, produced to the articles topic once all are valid."""

from __future__ import annotations

import json
import threading
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from newsmon.api.auth import require_write_token
from newsmon.connectors.kafka import article_sender, make_producer
from newsmon.exceptions import InvalidArticleError
from newsmon.models.article import parse_article
from newsmon.settings import Settings

router = APIRouter(prefix="/api", tags=["ingest"])
MAX_ARTICLES = 100
_PRODUCER_LOCK = threading.Lock()


def _sender(request: Request) -> Any:
    """One Kafka producer for the app, made on first use (the API runs without Kafka too)."""
    with _PRODUCER_LOCK:
        if getattr(request.app.state, "article_sender", None) is None:
            settings: Settings = request.app.state.settings
            producer = make_producer(settings.kafka)
            request.app.state.producer = producer
            request.app.state.article_sender = article_sender(producer, settings.kafka.articles_topic)
        return request.app.state.article_sender


@router.post("/ingest", status_code=202, dependencies=[Depends(require_write_token)])
def ingest(
    request: Request,
    payload: dict[str, Any] = Body(  # noqa: B008 - FastAPI's way to take a raw JSON body
        ..., description='One article, or {"articles": [...]} (at most 100)'
    ),
) -> JSONResponse:
    """Validate articles (the article schema) and produce them to the articles topic."""
    articles = payload["articles"] if isinstance(payload.get("articles"), list) else [payload]
    if not articles or len(articles) > MAX_ARTICLES:
        raise HTTPException(422, f"send 1 to {MAX_ARTICLES} articles")
    problems = []
    for n, article in enumerate(articles):
        try:
            if not isinstance(article, dict):
                raise InvalidArticleError(f"expected a JSON object, got {type(article).__name__}")
            parse_article(json.dumps(article).encode("utf-8"))
        except InvalidArticleError as e:
            problems.append(f"articles[{n}]: {e}")
    if problems:
        return JSONResponse(
            status_code=422, content={"error": "invalid articles, none accepted", "problems": problems}
        )
    send = _sender(request)
    ids = [send(article) for article in articles]
    return JSONResponse(status_code=202, content={"accepted": len(ids), "ids": ids})
