"""Alert rules: typed, validated, loaded from YAML files in ``configs/rules/``.

A rule's ``when`` is a tree of ``all`` / ``any`` / ``not`` over leaf conditions:

    when:
      all:
        - quoted: Vladimir Putin          # the speaker of a quote (canonical: aliases match)
        - any:
            - region: Eastern Europe      # any level of a place's region path
            - country: UA
        - topic: {label: conflict_defence, min_score: 0.5}
        - not: {source: example.com}

A bad rule is reported with its file, id and the problem, and never stops the others.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsmon.settings import packaged_config_dir

LEAF_KEYS = (
    "entity",
    "quoted",
    "quote_mentions",
    "region",
    "country",
    "topic",
    "phrase",
    "source",
    "language",
    "every_article",
)


class TopicCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    min_score: float = Field(default=0.0, ge=0.0, le=1.0)


class QuoteMentions(BaseModel):
    """A quote by ``speaker`` (optional) whose text mentions ``text``."""

    model_config = ConfigDict(extra="forbid")
    speaker: str | None = None
    text: str = Field(min_length=1)


class EntityCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    min_mentions: int = Field(default=1, ge=1)
    in_title: bool = False
    in_lead: bool = Field(default=False, description="named in the first paragraph")


def _title_and_body() -> list[Literal["title", "body"]]:
    return ["title", "body"]


class PhraseCondition(BaseModel):
    """Words in the title or body: a plain phrase (case-insensitive) or a regular expression."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    regex: str | None = None
    fields: list[Literal["title", "body"]] = Field(default_factory=_title_and_body)

    @model_validator(mode="after")
    def _one_of(self) -> PhraseCondition:
        if bool(self.text) == bool(self.regex):
            raise ValueError("a phrase needs exactly one of 'text' or 'regex'")
        if self.regex:
            try:
                re.compile(self.regex)
            except re.error as e:
                raise ValueError(f"bad regex {self.regex!r}: {e}") from e
        return self


class Condition(BaseModel):
    """One node of the condition tree: exactly one key."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    entity: EntityCondition | None = None
    quoted: str | None = None
    quote_mentions: QuoteMentions | None = None
    region: str | None = None
    country: str | None = None
    topic: TopicCondition | None = None
    phrase: PhraseCondition | None = None
    source: str | None = None
    language: str | None = None
    every_article: Literal[True] | None = Field(
        default=None, description="Matches every article (for rules that watch all stories)."
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("entity"), str):
                data["entity"] = {"name": data["entity"]}
            if isinstance(data.get("topic"), str):
                data["topic"] = {"label": data["topic"]}
            if isinstance(data.get("phrase"), str):
                data["phrase"] = {"text": data["phrase"]}
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        present = [k for k in ("all_", "any_", "not_", *LEAF_KEYS) if getattr(self, k) is not None]
        if len(present) != 1:
            names = [p.rstrip("_") for p in present]
            raise ValueError(
                "a condition has exactly one key of all, any, not, "
                + ", ".join(LEAF_KEYS)
                + (f"; found {names}" if names else "; found none (empty condition)")
            )
        for branch in (self.all_, self.any_):
            if branch is not None and not branch:
                raise ValueError("'all'/'any' need at least one condition")
        return self


class Frequency(BaseModel):
    """Alert when at least ``count`` matching articles fall within ``minutes`` (event time)."""

    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=2)
    minutes: float = Field(gt=0, le=7 * 24 * 60)


class Spike(BaseModel):
    """Alert when the matches of the last ``minutes`` are ``factor`` times the rate of the
    ``baseline_minutes`` before them (and at least ``min_count``)."""

    model_config = ConfigDict(extra="forbid")
    minutes: float = Field(gt=0, le=24 * 60)
    baseline_minutes: float = Field(default=60, gt=0, le=30 * 24 * 60)
    factor: float = Field(default=3.0, gt=1.0)
    min_count: int = Field(default=3, ge=1)


class FirstSeen(BaseModel):
    """Alert on an entity (or a pair of entities named together) that no article of the
    last ``days`` named, among the articles that match the rule's ``when``."""

    model_config = ConfigDict(extra="forbid")
    of: Literal["entity", "pair"] = "entity"
    days: float = Field(default=30, gt=0, le=3650)
    types: list[str] = Field(default_factory=lambda: ["PERSON", "ORG", "GPE"], min_length=1)
    require_history: bool = Field(
        default=True,
        description="Stay silent until newsmon has seen articles at least `days` old (no flood at start).",
    )


class StoryGrowth(BaseModel):
    """Alert once per story when it breaks: in the last ``minutes`` it gained at least
    ``min_articles`` articles from ``min_sources`` distinct sources, ``factor`` times its
    own rate over the ``history_hours`` before and ``factor`` times the day's rate per
    story. Copies count: a wire story reprinted across outlets is how news breaks."""

    model_config = ConfigDict(extra="forbid")
    minutes: float = Field(default=30, gt=0, le=24 * 60)
    history_hours: float = Field(default=6, gt=0, le=7 * 24)
    min_articles: int = Field(default=4, ge=1)
    min_sources: int = Field(default=3, ge=1)
    factor: float = Field(default=3.0, ge=1.0)


class Throttle(BaseModel):
    """At most one alert per rule (``per: rule``), per rule and entity (``per: entity``) or
    per rule and story (``per: story``: articles on the same event) within ``minutes``."""

    model_config = ConfigDict(extra="forbid")
    minutes: float = Field(gt=0, le=30 * 24 * 60)
    per: Literal["rule", "entity", "story"] = "rule"


class Digest(BaseModel):
    """Send the webhook/Slack/email channels one message per ``minutes`` listing the alerts,
    instead of one message per alert (the index and Kafka still get every alert at once)."""

    model_config = ConfigDict(extra="forbid")
    minutes: float = Field(gt=0, le=7 * 24 * 60)


class Rule(BaseModel):
    """One alert rule. Per article by default; ``frequency``, ``spike`` or ``first_seen``
    make it a windowed rule (one alert per burst, per spike, per new entity)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,99}$")
    name: str = ""
    enabled: bool = True
    severity: Literal["info", "low", "medium", "high", "critical"] = "medium"
    owner: str | None = None
    channels: list[str] = Field(default_factory=lambda: ["index", "kafka"])
    when: Condition
    frequency: Frequency | None = None
    spike: Spike | None = None
    first_seen: FirstSeen | None = None
    story_growth: StoryGrowth | None = None
    throttle: Throttle | None = None
    digest: Digest | None = None
    group_by: Literal["story", "article"] = Field(
        default="story",
        description="story: the alerts of one story fold into one (one card, one notification "
        "per channel, updated as the story grows); article: every article its own.",
    )

    @property
    def kind(self) -> Literal["article", "frequency", "spike", "first_seen", "story_growth"]:
        if self.story_growth is not None:
            return "story_growth"
        if self.frequency is not None:
            return "frequency"
        if self.spike is not None:
            return "spike"
        if self.first_seen is not None:
            return "first_seen"
        return "article"

    @model_validator(mode="after")
    def _one_kind(self) -> Rule:
        kinds = [
            k for k in ("frequency", "spike", "first_seen", "story_growth") if getattr(self, k) is not None
        ]
        if len(kinds) > 1:
            raise ValueError(f"a rule is of one kind: choose one of {kinds}")
        return self

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, channels: list[str]) -> list[str]:
        unknown = [
            c for c in channels if c.split(":", 1)[0] not in ("index", "kafka", "webhook", "slack", "email")
        ]
        if unknown:
            raise ValueError(f"unknown channels {unknown}")
        return channels


class RuleError(BaseModel):
    """Why a rule (or a rules file) was refused."""

    file: str
    rule_id: str | None
    problem: str


def load_rules(folder: Path | None = None) -> tuple[list[Rule], list[RuleError]]:
    """Every valid rule of the YAML files in ``folder`` (default: configs/rules), and the errors."""
    folder = folder or packaged_config_dir() / "rules"
    rules: list[Rule] = []
    errors: list[RuleError] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            errors.append(RuleError(file=path.name, rule_id=None, problem=f"cannot read: {e}"))
            continue
        for raw in data.get("rules", []) if isinstance(data, dict) else []:
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            try:
                rule = Rule.model_validate(raw)
            except ValidationError as e:
                errors.append(
                    RuleError(file=path.name, rule_id=rule_id, problem=describe_validation_error(e))
                )
                continue
            if rule.id in seen:
                errors.append(RuleError(file=path.name, rule_id=rule.id, problem="duplicate rule id"))
                continue
            seen.add(rule.id)
            rules.append(rule)
    return rules, errors


def describe_validation_error(error: ValidationError) -> str:
    """The first problems of a validation error, each with where it is."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:3]:
        where = ".".join(str(p) for p in item["loc"] if not str(p).startswith("function-after"))
        parts.append(f"{where or 'rule'}: {item['msg']}")
    return "; ".join(parts)
