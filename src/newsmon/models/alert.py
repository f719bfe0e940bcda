"""An alert: a rule matched an article. Written to the alerts index and topic, sent to
channels, kept in rule state; made by ``alerts/matcher.py``."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field


class Highlight(BaseModel):
    """A passage of the article that made the rule match; the term is text[start:end]."""

    field: str
    text: str
    start: int
    end: int


class Alert(BaseModel):
    """A rule matched an article. The id is derived from both, so a re-delivered article
    never yields a second alert."""

    id: str
    rule_id: str
    rule_name: str
    severity: str
    owner: str | None = None
    channels: list[str] = Field(default_factory=list)
    article_id: str
    story_id: str | None = Field(default=None, description="The article's story (same event).")
    title: str = Field(description="The article's headline (its title, or one from its lead).")
    headline_derived: bool = Field(default=False, description="The title was page furniture.")
    group: str = Field(
        default="",
        description="Alerts of one rule on one story (rule|story): one card on the desk, one "
        "notification per channel. Empty: the alert stands alone.",
    )
    source: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    matched: list[str] = Field(description="Which conditions matched, as kind:value.")
    highlights: list[Highlight] = Field(default_factory=list, description="Where in the article.")
    kind: str = Field(default="article", description="article, frequency, spike or first_seen")
    key: str = Field(default="", description="What the alert is about beyond its rule (throttle key).")
    event_time: datetime | None = Field(default=None, description="Published time, else arrival.")
    window_start: datetime | None = None
    window_end: datetime | None = None
    count: int = Field(default=1, description="Matching articles in the window (windowed kinds).")
    digest_minutes: float | None = Field(default=None, description="Channels get a digest, not this.")
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def group_key(self) -> str:
        """What the desk folds this alert under (its own id when it stands alone)."""
        return self.group or self.id

    def to_document(self) -> dict[str, Any]:
        document = self.model_dump(mode="json")
        document["group"] = self.group_key
        return document


def alert_id(rule_id: str, article_id: str) -> str:
    """The id of the alert of ``rule_id`` on ``article_id`` (the same on a replay)."""
    return hashlib.sha256(f"{rule_id}\n{article_id}".encode()).hexdigest()[:32]
