"""What enrichment adds to an article. Offsets are character offsets into ``body``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from newsmon.models.article import Article


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Mention(_Model):
    """A span of the article body."""

    text: str
    start: int
    end: int


class Entity(_Model):
    """One canonical entity of an article with every mention that refers to it."""

    key: str = Field(description="Stable id: Wikidata id when known, else type:slug.")
    canonical: str
    type: str = Field(description="PERSON, ORG, GPE, LOC, NORP, LAW, ...")
    count: int
    mentions: list[Mention]
    aliases: list[str] = Field(default_factory=list, description="Distinct surface forms seen.")
    wikidata_id: str | None = None
    role: str | None = None
    in_title: bool = False


class Quote(_Model):
    """A direct quotation and who said it."""

    text: str
    start: int
    end: int
    speaker: str | None = Field(default=None, description="Canonical name of the speaker.")
    speaker_key: str | None = None
    speaker_mention: Mention | None = None
    cue: str | None = Field(default=None, description="The verb or phrase of attribution.")
    kind: str = Field(default="quote", description="quote, partial or post (social media).")
    part_of: int | None = Field(
        default=None,
        description=(
            "Where the quotation this quote continues starts, when its cue interrupts it "
            "(\u201c...,\u201d he said, \u201c...\u201d): both parts have one speaker."
        ),
    )


class Topic(_Model):
    """A topic of the taxonomy with its score and the evidence for it."""

    label: str
    score: float
    evidence: list[str] = Field(default_factory=list)


class Place(_Model):
    """A place mention resolved to a country and its region hierarchy."""

    mention: str
    start: int
    end: int
    name: str
    country_code: str | None = Field(description="ISO 3166-1 alpha-2; None for a region name.")
    country: str | None
    region_path: list[str] = Field(description="M49 region, sub-region (e.g. Europe, Eastern Europe).")
    kind: str = Field(description="region, country, subregion, city, us_state or demonym.")


class Enrichment(_Model):
    """Everything the enrichment stages found in one article."""

    language: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    places: list[Place] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list, description="ISO codes, most prominent first.")
    primary_countries: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list, description="Every region level of every place.")
    nlp: Literal["full", "truncated", "names", "other_language", "exact_copy"] = Field(
        default="full",
        description=(
            "How much of the NLP ran: all of it, on a body cut to nlp.max_characters, the "
            "language-independent stages (known entities, places, quotes and topics of a "
            "language in configs/languages.yaml), or none (another language; an exact "
            "copy, whose first copy has it)."
        ),
    )
    skipped: str | None = Field(default=None, description="The same in words, when not full.")
    headline: str = Field(default="", description="What the desk shows: the title, or one from the lead.")
    headline_derived: bool = Field(default=False, description="The title was page furniture.")
    title_problem: str | None = Field(default=None, description="Why the title was set aside.")


class EnrichedArticle(_Model):
    """An article with its enrichment, as indexed."""

    article: Article
    enrichment: Enrichment

    @property
    def id(self) -> str:
        return self.article.id

    def to_document(self) -> dict[str, Any]:
        """The search document: article fields, enrichment, and flat keyword lists for filters."""
        document = self.article.to_document()
        enrichment = self.enrichment.model_dump(mode="json")
        document.update(enrichment)
        if enrichment["language"]:
            document["language"] = enrichment["language"]
        document["entity_names"] = sorted({e.canonical for e in self.enrichment.entities})
        document["speakers"] = sorted({q.speaker for q in self.enrichment.quotes if q.speaker})
        document["topic_labels"] = [t.label for t in self.enrichment.topics]
        return document
