"""Places of an article: every place mention resolved to a country and its M49 regions,
and the article's primary countries."""

from __future__ import annotations

from collections import defaultdict

from newsmon.models.enrichment import Entity, Place
from newsmon.nlp.gazetteer import Gazetteer

PRIMARY_SHARE = 0.2
"""A country is primary when it holds at least this share of the article's place weight."""


def resolve_places(entities: list[Entity], gazetteer: Gazetteer) -> list[Place]:
    """One :class:`Place` per place mention (and per nationality mention: "Ukrainian").

    Ambiguous names are resolved with the article's other countries as context, so
    "Georgia" next to Atlanta and Texas is the US state.
    """
    context = _unambiguous_countries(entities, gazetteer)
    places: list[Place] = []
    for entity in entities:
        where: tuple[str, str | None, str | None, tuple[str, ...]]
        if entity.type == "GPE":
            resolution = gazetteer.resolve(entity.canonical, context)
            if resolution is None:
                continue
            where = (
                entity.canonical,
                resolution.place.country_code or None,
                resolution.country or None,
                resolution.region_path,
            )
            kind = resolution.place.kind
        elif entity.type == "NORP" and (demonym := gazetteer.demonym_country(entity.canonical)):
            country_name = gazetteer.country_name(demonym)
            where = (country_name, demonym, country_name, gazetteer.region_path(demonym))
            kind = "demonym"
        else:
            continue
        name, code, country, path = where
        places.extend(
            Place(
                mention=m.text,
                start=m.start,
                end=m.end,
                name=name,
                country_code=code,
                country=country,
                region_path=list(path),
                kind=kind,
            )
            for m in entity.mentions
        )
    return sorted(places, key=lambda p: p.start)


def _unambiguous_countries(entities: list[Entity], gazetteer: Gazetteer) -> frozenset[str]:
    """Countries of the article's place names that can only mean one country."""
    codes: set[str] = set()
    for entity in entities:
        if entity.type == "GPE":
            countries = {c.country_code for c in gazetteer.candidates(entity.canonical) if c.country_code}
            if len(countries) == 1:
                codes |= countries
    return frozenset(codes)


def _mention_weights(places: list[Place]) -> defaultdict[str, float]:
    """Per country: direct mentions count 1, nationalities 0.5."""
    weights: defaultdict[str, float] = defaultdict(float)
    for place in places:
        if place.country_code:
            weights[place.country_code] += 0.5 if place.kind == "demonym" else 1.0
    return weights


def country_ranking(places: list[Place], title_entities: list[Entity] | None = None) -> list[str]:
    """ISO codes by weight: direct mentions count 1, nationalities 0.5, title mentions +2."""
    weights = _mention_weights(places)
    for entity in title_entities or []:
        for place in places:
            if place.name == entity.canonical and place.country_code:
                weights[place.country_code] += 2.0
                break
    return sorted(weights, key=lambda code: -weights[code])


def primary_countries(places: list[Place], ranking: list[str]) -> list[str]:
    """The countries the article is about: the top one, and others with a large share."""
    weights = _mention_weights(places)
    total = sum(weights.values())
    if not total:
        return []
    return [code for code in ranking if code == ranking[0] or weights[code] / total >= PRIMARY_SHARE]


def region_labels(places: list[Place]) -> list[str]:
    """Every region level of every place, plus countries' names: what region alerts match."""
    labels: list[str] = []
    for place in places:
        for label in [*place.region_path, place.country or "", place.name]:
            if label and label not in labels:
                labels.append(label)
    return labels
