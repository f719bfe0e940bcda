"""The FastAPI application: JSON errors with clear messages, token auth on every write.

Build it with :func:`create_app` from the settings; ``newsmon serve`` runs it with uvicorn.
The OpenAPI schema is at ``/openapi.json`` and browsable at ``/docs``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from newsmon.api import alerts, articles, entities, ingest, live, rules, stories
from newsmon.api.guards import BodyLimit, JsonErrors, SecurityHeaders
from newsmon.api.headlines import SharedTitles
from newsmon.api.observe import RequestMetrics
from newsmon.api.queries import BadRequestError
from newsmon.connectors.search import SearchEngine, connect_search_engine
from newsmon.connectors.stores.rules import RuleConflictError, RuleNotFoundError, RuleStore
from newsmon.settings import Settings

_LOG = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


def _problem(error: dict[str, Any]) -> str:
    where = ".".join(
        str(p) for p in error.get("loc", ()) if p != "body" and not str(p).startswith("function-")
    )
    return f"{where or 'body'}: {error.get('msg', 'invalid')}"


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    producer = getattr(app.state, "producer", None)
    if producer is not None:  # made by the push endpoint on first use
        producer.close()


def create_app(settings: Settings, engine: SearchEngine | None = None) -> FastAPI:
    """The API over the configured search engine (connected here unless given)."""
    app = FastAPI(
        title="newsmon",
        summary="Streaming news monitoring: rules, alerts and enriched articles.",
        version="0.1.0",
        lifespan=_lifespan,
    )
    engine = engine or connect_search_engine(settings.search)
    app.state.settings = settings
    app.state.engine = engine
    app.state.rule_store = RuleStore(engine, settings.search.rules_index, settings.alerts)
    app.state.shared_titles = SharedTitles(engine, settings.search.articles_index)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(dict(e)) for e in exc.errors()][:10]
        return JSONResponse(status_code=422, content={"error": "invalid request", "problems": problems})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"error": exc.detail}, headers=exc.headers)

    @app.exception_handler(RuleNotFoundError)
    async def not_found(_: Request, exc: RuleNotFoundError) -> JSONResponse:
        return JSONResponse(status_code=404, content={"error": str(exc)})

    @app.exception_handler(RuleConflictError)
    async def conflict(_: Request, exc: RuleConflictError) -> JSONResponse:
        return JSONResponse(status_code=409, content={"error": str(exc)})

    @app.exception_handler(BadRequestError)
    async def bad_request(_: Request, exc: BadRequestError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"error": str(exc)})

    def unexpected(path: str, exc: Exception) -> tuple[int, dict[str, Any]]:
        # Engine errors, and anything else: JSON with the problem named, never a trace.
        status = getattr(exc, "status_code", None)
        if engine.is_transient(exc):
            _LOG.warning("search engine unavailable path=%s error=%s", path, exc)
            return 503, {"error": "the search engine is unavailable: retry"}
        if isinstance(status, int) and 400 <= status < 500:
            problem = str(getattr(exc, "error", "") or exc)[:300]
            return 422, {"error": "the search engine refused the query", "problems": [problem]}
        _LOG.exception("request failed path=%s", path)
        return 500, {"error": f"internal error ({type(exc).__name__})"}

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """This process's metrics, for Prometheus."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/health", tags=["service"])
    def health() -> dict[str, str]:
        """The API answers and reaches the search engine."""
        info = engine.info()
        return {"status": "ok", "engine": info.distribution, "engine_version": info.version}

    app.include_router(articles.router)
    app.include_router(stories.router)
    app.include_router(entities.router)
    app.include_router(alerts.router)
    app.include_router(live.router)
    app.include_router(rules.router)
    app.include_router(ingest.router)
    app.mount("/", StaticFiles(directory=STATIC_DIR, html=True), name="dashboard")
    # The last added is the outermost: the headers reach every answer, the body limit's
    # included, and the limit acts before FastAPI reads a body (and so before auth).
    app.add_middleware(JsonErrors, classify=unexpected)
    app.add_middleware(BodyLimit, max_bytes=settings.api.max_body_bytes)
    app.add_middleware(RequestMetrics)
    app.add_middleware(SecurityHeaders)
    return app
