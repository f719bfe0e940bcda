"""The article: the one typed message that enters the pipeline.

Input is untrusted JSON from Kafka or files. :func:`parse_article` turns bytes into an
:class:`Article` or raises :class:`~newsmon.exceptions.InvalidArticleError` with a reason
fit for the dead-letter topic. Field names of common corpora are accepted as aliases
(``text`` for ``body``, ``outlet`` for ``source``, ``date`` for ``published_at``).

Article ids are derived, never taken from the input, so that re-delivery of the same
article (same URL, or same source and source id, or same text) maps to the same search
document: see :func:`derive_article_id`.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from newsmon.exceptions import InvalidArticleError

MAX_ARTICLE_BYTES = 2 * 1024 * 1024
"""Messages above this size are refused: no real article body comes near it."""


@dataclass(frozen=True)
class ArticleLimits:
    """What :func:`parse_article` accepts beyond the schema: the size of a message and the
    window of a sane publication time (input dates at the calendar's edges would overflow
    the date arithmetic of windows and trends downstream)."""

    max_bytes: int = MAX_ARTICLE_BYTES
    earliest_published_at: datetime = datetime(1900, 1, 1, tzinfo=UTC)
    max_ahead: timedelta = timedelta(days=2)
    """How far after the pipeline's clock a publication time may lie (time zones, embargoes)."""


DEFAULT_LIMITS = ArticleLimits()

_TRACKING_PARAM = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid)$", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Duplicate(BaseModel):
    """Set by the pipeline's duplicate check: this article repeats ``of``, the first copy
    newsmon saw (``exact``: same normalised text; ``near``: a copy with edits)."""

    model_config = ConfigDict(frozen=True)
    of: str
    kind: Literal["exact", "near"]
    similarity: float = Field(ge=0, le=1)


class Article(BaseModel):
    """A news article as the pipeline sees it, after validation."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    id: str = Field(default="", description="Derived, stable id (see derive_article_id).")
    source_id: str | None = Field(
        default=None,
        validation_alias=AliasChoices("source_id", "id"),
        max_length=512,
        description="The publisher's or corpus's own id for the article, if any.",
    )
    url: str | None = Field(default=None, max_length=4096)
    source: str | None = Field(
        default=None, validation_alias=AliasChoices("source", "outlet"), max_length=512
    )
    title: str = Field(default="", max_length=2048)
    body: str = Field(validation_alias=AliasChoices("body", "text"), min_length=1)
    published_at: datetime | None = Field(
        default=None, validation_alias=AliasChoices("published_at", "date", "publishing_date")
    )
    ingested_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        description="When the pipeline took the article in: its own clock, never the input's.",
    )
    language: str | None = Field(default=None, max_length=16)
    authors: list[str] = Field(default_factory=list, max_length=100)
    duplicate: Duplicate | None = Field(
        default=None, description="Set by the pipeline, never taken from the input (see dedup)."
    )
    story_id: str | None = Field(
        default=None, description="Set by the pipeline: the story (same event) the article belongs to."
    )

    @field_validator("source_id", mode="before")
    @classmethod
    def _source_id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("url must be an absolute http(s) URL")
        return value

    @field_validator("title", "body")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        return _CONTROL_CHARS.sub("", value)

    @field_validator("published_at", "ingested_at", mode="before")
    @classmethod
    def _parse_timestamp(cls, value: Any) -> Any:
        if value is None or value == "" or isinstance(value, datetime):
            return value or None
        if not isinstance(value, str):
            raise ValueError("timestamp must be a string")
        return parse_timestamp(value)

    @field_validator("published_at", "ingested_at")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # Naive timestamps in feeds are overwhelmingly UTC; store them as such.
            value = value.replace(tzinfo=UTC)
        try:
            value = value.astimezone(UTC)
        except OverflowError as e:  # 0001-01-01T00:00+05:00 has no UTC time
            raise ValueError("timestamp is outside the calendar once in UTC") from e
        if info.field_name == "published_at":
            limits, now = _limits_of(info)
            latest = now + limits.max_ahead
            if not limits.earliest_published_at <= value <= latest:
                earliest = limits.earliest_published_at.date().isoformat()
                raise ValueError(
                    f"timestamp {value.isoformat()} is outside {earliest} .. "
                    f"{latest.isoformat(timespec='seconds')}"
                )
        return value

    @model_validator(mode="after")
    def _derive_id(self) -> Article:
        if not self.body.strip():
            raise ValueError("body is empty")
        object.__setattr__(
            self,
            "id",
            derive_article_id(
                url=self.url,
                source=self.source,
                source_id=self.source_id,
                title=self.title,
                body=self.body,
            ),
        )
        return self

    @property
    def event_time(self) -> datetime:
        """When the article happened for windows, filters and trends: published, else arrived (UTC)."""
        return (self.published_at or self.ingested_at).astimezone(UTC)

    def to_document(self) -> dict[str, Any]:
        """The search-engine document for this article (JSON-safe), with ``event_time``."""
        document = self.model_dump(mode="json")
        document["event_time"] = self.event_time.isoformat()
        return document


def parse_timestamp(text: str) -> datetime:
    """Parse ISO 8601, RFC 2822 (feeds) and Reuters-style ``26-FEB-1987 15:01:01.79`` stamps."""
    candidate = text.strip()
    try:
        return datetime.fromisoformat(candidate.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(candidate)
    except (TypeError, ValueError, IndexError):
        pass
    for layout in ("%d-%b-%Y %H:%M:%S.%f", "%d-%b-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(candidate.title(), layout)
        except ValueError:
            continue
    raise ValueError(f"unrecognised timestamp {text[:40]!r}")


def normalise_url(url: str) -> str:
    """Canonical form of an article URL: lower-case host, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING_PARAM.match(k)))
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


def normalise_text(text: str) -> str:
    """Text folded for identity: NFKC, case-folded, whitespace collapsed."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def derive_article_id(
    *,
    url: str | None,
    source: str | None,
    source_id: str | None,
    title: str,
    body: str,
) -> str:
    """A stable id: from the URL if there is one, else source + source id, else the text.

    The same article delivered twice (or re-ingested) gets the same id, so indexing it
    again overwrites instead of duplicating.
    """
    if url:
        basis = "url:" + normalise_url(url)
    elif source and source_id:
        basis = f"src:{normalise_text(source)}:{source_id.strip()}"
    else:
        basis = "txt:" + normalise_text(title) + "\n" + normalise_text(body)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


def _limits_of(info: ValidationInfo) -> tuple[ArticleLimits, datetime]:
    context = info.context if isinstance(info.context, dict) else {}
    limits = context.get("limits", DEFAULT_LIMITS)
    now = context.get("now") or datetime.now(UTC)
    return limits, now


def parse_article(
    raw: bytes | None, limits: ArticleLimits = DEFAULT_LIMITS, now: datetime | None = None
) -> Article:
    """Validate one raw message into an :class:`Article`, taken in at ``now`` (default: the
    clock), which becomes its ``ingested_at`` whatever the input says.

    Raises :class:`InvalidArticleError` naming what is wrong: too large, not UTF-8, not
    JSON, not an object, or which fields failed validation (a publication time outside
    ``limits`` among them).
    """
    if raw is None:
        raise InvalidArticleError("empty message (a tombstone: null value)")
    if len(raw) > limits.max_bytes:
        raise InvalidArticleError(f"message of {len(raw)} bytes exceeds the {limits.max_bytes}-byte limit")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidArticleError(f"not valid UTF-8 at byte {e.start}") from e
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidArticleError(f"not JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    if not isinstance(payload, dict):
        raise InvalidArticleError(f"expected a JSON object, got {type(payload).__name__}")
    # Untrusted input must not mark itself a copy (copies raise no alerts).
    payload.pop("duplicate", None)
    payload.pop("story_id", None)
    now = now or datetime.now(UTC)
    payload["ingested_at"] = now
    try:
        return Article.model_validate(payload, context={"limits": limits, "now": now})
    except ValidationError as e:
        raise InvalidArticleError(_describe_validation_error(e)) from e


def _describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(part) for part in item["loc"]) or "article"
        problems.append(f"{where}: {item['msg']}")
    return "invalid article: " + "; ".join(problems)
