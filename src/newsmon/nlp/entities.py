"""Named entities of an article, merged into canonical entities with their mentions.

Inside an article, name variants of one person collapse into the longest full name
("Putin", "President Putin", "Russian President Vladimir Putin" -> "Vladimir Putin").
Across articles, the knowledge base maps every alias to one canonical name and key.
Places resolve through the gazetteer, so "Kyiv" and "Kiev" are one entity; a "place" that
is the first name of a person named in full is that person's ("Vladimir"). Bare roles
("the Prime Minister") attach to the person the article introduced with that title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from newsmon.models.enrichment import Entity, Mention
from newsmon.nlp.doctext import doc_text
from newsmon.nlp.gazetteer import Gazetteer
from newsmon.nlp.knowledge import TITLE_WORDS, KnowledgeBase, KnownEntity, fold, slug, strip_name

ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "LAW", "EVENT"})
ROLE_PHRASES = (
    "prime minister",
    "president",
    "chancellor",
    "foreign minister",
    "foreign secretary",
    "defence minister",
    "defense secretary",
    "secretary of state",
    "secretary-general",
    "secretary general",
    "pope",
    "king",
    "queen",
    "premier",
    "governor",
    "mayor",
)
# "the Prime Minister" not followed by a name ("the Prime Minister Boris Johnson").
_BARE_ROLE = re.compile(
    r"\b[Tt]he ((?i:"
    + "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in ROLE_PHRASES)
    + r"))\b(?!\s+[A-Z])"
)


@dataclass
class _Group:
    canonical: str
    type: str
    known: KnownEntity | None = None
    place_code: str | None = None
    mentions: list[Mention] = field(default_factory=list)
    forms: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        if self.known is not None:
            return self.known.key
        if self.place_code is not None:
            return f"place:{self.place_code.lower()}:{slug(self.canonical)}"
        return f"{self.type.lower()}:{slug(self.canonical)}"


def _entity_type(label: str) -> str:
    return "GPE" if label == "LOC" else label


def extract_entities(doc: Doc, kb: KnowledgeBase, gazetteer: Gazetteer, title: str = "") -> list[Entity]:
    """Canonical entities of ``doc`` (the article body), most mentioned first."""
    spans = [ent for ent in doc.ents if ent.label_ in ENTITY_LABELS]
    demonyms = frozenset(w for w in (ent.text for ent in spans if ent.label_ == "NORP"))
    groups: dict[str, _Group] = {}

    full_person_names = _full_person_names(spans, demonyms)
    for ent in spans:
        group = _group_for(ent, demonyms, kb, gazetteer, full_person_names, groups)
        if group is None:
            continue
        group.mentions.append(Mention(text=ent.text, start=ent.start_char, end=ent.end_char))
        group.forms.add(ent.text)

    _attach_bare_surnames(doc, groups)
    _attach_bare_roles(doc, spans, groups)
    title_folded = fold(title)
    entities = [
        Entity(
            key=group.key,
            canonical=group.canonical,
            type=group.type,
            count=len(group.mentions),
            mentions=sorted(group.mentions, key=lambda m: m.start),
            aliases=sorted(group.forms),
            wikidata_id=group.known.wikidata if group.known else None,
            role=group.known.role if group.known else None,
            in_title=bool(title_folded)
            and any(fold(f) in title_folded for f in group.forms | {group.canonical}),
        )
        for group in groups.values()
    ]
    return sorted(entities, key=lambda e: (-e.count, e.mentions[0].start))


def _full_person_names(spans: list[Span], demonyms: frozenset[str]) -> list[str]:
    """Full names (two words or more) of the article, most mentioned first, then first seen."""
    counts: dict[str, int] = {}
    for ent in spans:
        if ent.label_ == "PERSON":
            name = strip_name(ent.text, demonyms)
            if len(name.split()) >= 2:
                counts[name] = counts.get(name, 0) + 1
    return sorted(counts, key=lambda n: -counts[n])


def _full_name_for(name: str, full_names: list[str], kb: KnowledgeBase) -> str | None:
    """The article's full name a short name stands for ("Trump" -> "Donald Trump", not "Melania Trump").

    Several candidates (Donald and Melania Trump): the one the knowledge base gives for the
    short name, else the most mentioned.
    """
    # A name in capitals (a transcript's "PENCE:", a byline) is the same name.
    form = str.casefold if name.isupper() else str
    words = form(_apostrophes(name)).split()
    candidates = [
        full
        for full in full_names
        if full != name
        and set(words) <= set(parts := form(_apostrophes(full)).split())
        and (parts[-1] == words[-1] or (len(words) == 1 and parts[0] == words[0]))
    ]
    if len(candidates) > 1:
        known = kb.lookup(name)
        if known is not None:
            for full in candidates:
                if kb.lookup(full) is known:
                    return full
    return candidates[0] if candidates else None


def _group_for(
    ent: Span,
    demonyms: frozenset[str],
    kb: KnowledgeBase,
    gazetteer: Gazetteer,
    full_person_names: list[str],
    groups: dict[str, _Group],
) -> _Group | None:
    label = _entity_type(ent.label_)
    if (
        label in ("ORG", "GPE")
        and len(ent) == 1
        and any(_apostrophes(full.split()[-1]) == _apostrophes(ent.text) for full in full_person_names)
    ):
        # A lone surname the model took for an organisation or a place ("Kelly" after "R.
        # Kelly", "Jordan" after "Rep. Jim Jordan", "Schiff" after "Adam Schiff").
        label = "PERSON"
    if label in ("PERSON", "ORG", "LAW"):
        name = strip_name(ent.text, demonyms)
    else:
        name = re.sub(r"^[Tt]he\s+", "", ent.text.strip())
    if not name:
        return None
    if label in ("GPE", "FAC") and len(ent) == 1:
        # A place that is the first name of a person the article names in full is that
        # person ("Russian President Vladimir ..." is Vladimir Putin, not the city).
        owner = next((full for full in full_person_names if full.split()[0] == name), None)
        if owner is not None:
            label, name = "PERSON", owner
    if label == "PERSON":
        # A surname alone belongs to the article's full name ending with it, before the
        # knowledge base: "Johnson" is Boris only if no other Johnson is named.
        longer = _full_name_for(name, full_person_names, kb)
        if longer is not None:
            name = longer
        elif name.isupper() and len(name) > 3:
            name = name.title()  # "WALLACE" is Wallace
    known = kb.lookup(name) or (kb.lookup(ent.text) if name in ent.text else None)
    if known is not None and _compatible(known.type, label):
        return groups.setdefault(known.key, _Group(known.canonical, known.type, known=known))
    if label in ("GPE", "FAC"):
        resolution = gazetteer.resolve(name)
        if resolution is not None:
            place = resolution.place
            canonical = resolution.country if place.kind == "country" else place.name
            code = place.country_code or "region"
            key = f"place:{code.lower()}:{slug(canonical)}"
            return groups.setdefault(key, _Group(canonical, "GPE", place_code=code))
    if label == "NORP":
        key = f"norp:{slug(name)}"
        return groups.setdefault(key, _Group(name, "NORP"))
    key = f"{label.lower()}:{slug(name)}"
    return groups.setdefault(key, _Group(name, label))


def _apostrophes(text: str) -> str:
    """``text`` with its typographic apostrophes straight ("O’Neill" is "O'Neill")."""
    return text.replace("’", "'")


def _compatible(known_type: str, label: str) -> bool:
    places = {"GPE", "LOC", "FAC"}
    return known_type == label or (known_type in places and label in places)


def _attach_bare_surnames(doc: Doc, groups: dict[str, _Group]) -> None:
    """Add the bare surnames the model left untagged ("Ham made it clear ...") as mentions of
    the article's one person named in full with that surname."""
    by_surname: dict[str, list[_Group]] = {}
    for group in groups.values():
        words = group.canonical.split()
        if group.type == "PERSON" and len(words) >= 2 and len(words[-1]) >= 3:
            by_surname.setdefault(_apostrophes(words[-1]), []).append(group)
    owners = {surname: found[0] for surname, found in by_surname.items() if len(found) == 1}
    if not owners:
        return
    text = doc_text(doc)
    alternatives = "|".join(re.escape(n).replace("'", "['’]") for n in sorted(owners, key=len, reverse=True))
    taken = [(m.start, m.end) for g in groups.values() for m in g.mentions]
    for match in re.finditer(rf"(?<![\w'’-])(?:{alternatives})(?![\w'’-])", text):
        start, end = match.start(), match.end()
        if any(a < end and start < b for a, b in taken):
            continue
        span = doc.char_span(start, end)
        if span is None or len(span) != 1 or span[0].pos_ != "PROPN":
            continue
        owner = owners[_apostrophes(match.group(0))]
        owner.mentions.append(Mention(text=match.group(0), start=start, end=end))
        owner.forms.add(match.group(0))


def _attach_bare_roles(doc: Doc, spans: list[Span], groups: dict[str, _Group]) -> None:
    """Add "the Prime Minister" as a mention of the person introduced with that title."""
    by_mention = {(m.start, m.end): g for g in groups.values() for m in g.mentions}
    role_holder: dict[str, _Group] = {}
    for ent in spans:
        if ent.label_ != "PERSON":
            continue
        group = by_mention.get((ent.start_char, ent.end_char))
        if group is None:
            continue
        preceding = doc_text(doc)[max(0, ent.start_char - 40) : ent.start_char].casefold()
        for role in ROLE_PHRASES:
            if re.search(rf"\b{re.escape(role)}\s+$", preceding):
                role_holder.setdefault(role, group)
        if group.known is not None and group.known.role:
            held = group.known.role.casefold()
            for role in ROLE_PHRASES:
                if held.startswith(role):
                    role_holder.setdefault(role, group)
    taken = [(m.start, m.end) for g in groups.values() for m in g.mentions]
    for match in _BARE_ROLE.finditer(doc_text(doc)):
        role = " ".join(match.group(1).casefold().split())
        group = role_holder.get(role)
        if group is None or any(s < match.end() and match.start() < e for s, e in taken):
            continue
        group.mentions.append(Mention(text=match.group(0), start=match.start(), end=match.end()))
        group.forms.add(match.group(0))


__all__ = ["ENTITY_LABELS", "TITLE_WORDS", "extract_entities"]
