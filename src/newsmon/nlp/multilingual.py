"""The language-independent stages: known entities, places and quotes in articles of the
languages of ``configs/languages.yaml``, which need no spaCy model of their own.

Names are matched, not recognised. The index holds the knowledge base's names, aliases and
variants, the gazetteer's place names, and the countries' names in each configured
language (pycountry's translations), all under :func:`~newsmon.nlp.knowledge.spelling_key`,
so "Wladimir Putin", "Władimir Putin" and "Vladimir Putin" are one name, as are "Kiew" and
"Kiev". The text is cut into words by spaCy's tokenizer for the language (part of spaCy,
no model), and at each word the longest known name wins; a name counts only where the
text capitalises it, and a word the language inflects ("Putins", Polish "Ukrainy") is
tried in its base form when it is unknown as written.

Quotes are the text between the language's quotation marks (three words or more) in a
sentence that holds one of its cue words ("sagte", "a déclaré", "según"); the speaker is
the person or organisation named next to the quote in that sentence, or, when the cue's
subject is a pronoun ("sagte er"), the last person named before it.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import spacy
from spacy.language import Language

from newsmon.exceptions import ConfigurationError
from newsmon.models.enrichment import Entity, Mention, Quote
from newsmon.nlp.gazetteer import Gazetteer
from newsmon.nlp.knowledge import KnowledgeBase, KnownEntity, fold, slug, spelling_key
from newsmon.settings import read_config_yaml

MAX_NAME_WORDS = 6
_SENTENCE_ENDS = frozenset({".", "!", "?", ":", "\n", "\n\n"})
MIN_QUOTE_WORDS = 3
MIN_INFLECTED_LETTERS = 5
# Cities smaller than this are not matched in running text (too often also words).
MIN_CITY_POPULATION = 300_000


@dataclass(frozen=True)
class LanguageRules:
    """What ``configs/languages.yaml`` says of one language."""

    code: str
    quotes: tuple[tuple[str, str], ...]
    cues: tuple[str, ...]
    person_pronouns: frozenset[str]
    group_pronouns: frozenset[str]
    endings: tuple[tuple[str, str], ...]
    not_places: frozenset[str]
    capitalises_nouns: bool = False


def load_languages(path: Path | None = None) -> dict[str, LanguageRules]:
    """The languages of ``configs/languages.yaml`` (or ``path``), validated."""
    path, raw = read_config_yaml(path, "languages.yaml", "languages")
    languages: dict[str, LanguageRules] = {}
    for code, entry in (raw.get("languages") or {}).items():
        if not isinstance(entry, dict):
            raise ConfigurationError(f"{path}: language {code!r} must be a mapping")
        try:
            quotes = tuple((str(a), str(b)) for a, b in entry.get("quotes") or ())
            endings = tuple((str(a), str(b)) for a, b in entry.get("endings") or ())
        except (TypeError, ValueError) as e:
            raise ConfigurationError(f"{path}: language {code!r}: quotes and endings are pairs") from e
        languages[str(code)] = LanguageRules(
            code=str(code),
            quotes=quotes,
            cues=tuple(str(c) for c in entry.get("cues") or ()),
            person_pronouns=frozenset(str(p) for p in entry.get("person_pronouns") or ()),
            group_pronouns=frozenset(str(p) for p in entry.get("group_pronouns") or ()),
            endings=endings,
            not_places=frozenset(str(p) for p in entry.get("not_places") or ()),
            capitalises_nouns=bool(entry.get("capitalises_nouns", False)),
        )
    return languages


@dataclass(frozen=True)
class _Target:
    """What a name in the index stands for: a known entity, or a place."""

    canonical: str
    type: str
    key: str
    known: KnownEntity | None = None
    country_code: str | None = None
    city: bool = False


@dataclass
class NameIndex:
    """Every matchable name of one language: under its spelling key (a known entity's or a
    place's own names), folded only (geonames' alternate names, often short foreign forms
    that other words would reach through the spelling key), or in its exact case (short
    all-caps names: NATO, UE)."""

    spellings: dict[str, _Target] = field(default_factory=dict)
    folded: dict[str, _Target] = field(default_factory=dict)
    case_sensitive: dict[str, _Target] = field(default_factory=dict)

    def add(self, name: str, target: _Target, tolerant: bool = True) -> None:
        if len(name) <= 4 and name.replace(".", "").isupper():
            self.case_sensitive.setdefault(name, target)
        elif tolerant:
            self.spellings.setdefault(spelling_key(name), target)
        else:
            self.folded.setdefault(fold(name), target)

    def find(self, text: str) -> _Target | None:
        """The target of ``text`` as written (its spacing kept: "EU-Kommission")."""
        return (
            self.case_sensitive.get(text)
            or self.spellings.get(spelling_key(text))
            or self.folded.get(fold(text))
        )


def build_index(
    kb: KnowledgeBase,
    gazetteer: Gazetteer,
    rules: LanguageRules,
    min_city_population: int = MIN_CITY_POPULATION,
) -> NameIndex:
    """The names of ``kb`` (first: they win), the countries in the language, then places."""
    index = NameIndex()
    for entity in kb.entities:
        target = _Target(
            entity.canonical, "GPE" if entity.type in ("GPE", "LOC") else entity.type, entity.key, entity
        )
        for name in (*entity.names(), *entity.variants):
            index.add(name, target)
    for code, names in _country_names(rules.code).items():
        country = gazetteer.country_name(code)
        for name in names:
            index.add(name, _place(country, code))
    for name, record, own in gazetteer.place_names(min_city_population):
        if name in rules.not_places:
            continue
        if record.kind == "region":
            index.add(name, _Target(record.name, "GPE", f"place:region:{slug(record.name)}"), own)
            continue
        city = record.kind == "city"
        canonical = gazetteer.country_name(record.country_code) if record.kind == "country" else record.name
        index.add(name, _place(canonical, record.country_code, city), own)
    return index


def _place(canonical: str, code: str, city: bool = False) -> _Target:
    return _Target(canonical, "GPE", f"place:{code.lower()}:{slug(canonical)}", country_code=code, city=city)


def _country_names(language: str) -> dict[str, list[str]]:
    """Each country's names in ``language`` (pycountry's translations of its name, common
    name and official name; a comma form "Russie, Fédération de" also as its first part)."""
    import pycountry

    try:
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return {}
    names: dict[str, list[str]] = {}
    for country in pycountry.countries:
        forms = set()
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if value:
                translated = translation.gettext(value)
                forms.add(translated)
                if ", " in translated:
                    forms.add(translated.split(", ")[0])
        names[country.alpha_2] = sorted(forms)
    return names


@cache
def blank_pipeline(language: str) -> Language:
    """spaCy's tokenizer and sentence splitter for ``language`` (no model: part of spaCy)."""
    nlp = spacy.blank(language)
    nlp.add_pipe("sentencizer")
    return nlp


@dataclass
class _Words:
    """An article's words, and the whitespace after each."""

    words: list[str]
    spaces: list[str]

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, i: int) -> str:
        return self.words[i]

    def text(self, start: int, end: int) -> str:
        """Words ``start`` to ``end`` as written."""
        return "".join(
            w + s for w, s in zip(self.words[start:end], self.spaces[start:end], strict=True)
        ).strip()


@dataclass
class _Found:
    target: _Target
    start: int
    end: int
    text: str


class MultilingualAnnotator:
    """Entities and quotes of one language's articles, from the index of its names."""

    def __init__(self, rules: LanguageRules, index: NameIndex) -> None:
        self.rules = rules
        self.index = index
        self._stop_words = frozenset(w.casefold() for w in blank_pipeline(rules.code).Defaults.stop_words)
        cues = sorted(rules.cues, key=len, reverse=True)
        self._cue = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(c) for c in cues) + r")(?!\w)", re.IGNORECASE
        )

    def entities(self, body: str, title: str = "") -> list[Entity]:
        """The known entities and places of ``body``, most mentioned first."""
        found = list(self._matches(body))
        title_found = {f.target.key for f in self._matches(title)} if title else set()
        groups: dict[str, list[_Found]] = {}
        for item in found:
            groups.setdefault(item.target.key, []).append(item)
        entities = [
            Entity(
                key=key,
                canonical=items[0].target.canonical,
                type=items[0].target.type,
                count=len(items),
                mentions=[Mention(text=i.text, start=i.start, end=i.end) for i in items],
                aliases=sorted({i.text for i in items}),
                wikidata_id=items[0].target.known.wikidata if items[0].target.known else None,
                role=items[0].target.known.role if items[0].target.known else None,
                in_title=key in title_found,
            )
            for key, items in groups.items()
        ]
        return sorted(entities, key=lambda e: (-e.count, e.mentions[0].start))

    def _matches(self, text: str) -> Iterator[_Found]:
        doc = blank_pipeline(self.rules.code).make_doc(text)
        words = _Words([t.text for t in doc], [t.whitespace_ for t in doc])
        i = 0
        while i < len(doc):
            hit = self._longest_at(words, i)
            if hit is None or (hit[1] == 1 and hit[0].city and self._part_of_a_name(words, i)):
                i += 1
                continue
            target, length = hit
            start = doc[i].idx
            end = doc[i + length - 1].idx + len(doc[i + length - 1].text)
            yield _Found(target, start, end, text[start:end])
            i += length

    def _longest_at(self, words: _Words, i: int) -> tuple[_Target, int] | None:
        """The longest known name starting at word ``i``, and its length in words."""
        first = words[i]
        if not first[:1].isupper():
            return None
        for length in range(min(MAX_NAME_WORDS, len(words) - i), 0, -1):
            if not words[i + length - 1][:1].isalnum():
                continue
            target = self.index.find(words.text(i, i + length))
            if target is None and length == 1:
                target = self._inflected(first)
            if target is None:
                continue
            if length == 1 and first.casefold() in self._stop_words:
                return None  # "Como" opening a Spanish sentence, German "Wenn"
            return target, length
        return None

    def _part_of_a_name(self, words: _Words, i: int) -> bool:
        """Whether the city name at ``i`` is part of a person's name here: a capitalised
        word that is no known name follows ("Vladimir Poutine", "Sophie Binet") or, where
        only names are capitalised, comes before ("Marylise Léon")."""
        return self._unknown_capitalised(words, i + 1) or (
            not self.rules.capitalises_nouns and i > 0 and self._unknown_capitalised(words, i - 1)
        )

    def _unknown_capitalised(self, words: _Words, i: int) -> bool:
        if not 0 <= i < len(words):
            return False
        word = words[i]
        return (
            word[:1].isupper()
            and word.casefold() not in self._stop_words
            and (i == 0 or words[i - 1] not in _SENTENCE_ENDS)
            and self._longest_at(words, i) is None
        )

    def _inflected(self, word: str) -> _Target | None:
        if len(word) < MIN_INFLECTED_LETTERS:
            return None
        for ending, base in self.rules.endings:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_INFLECTED_LETTERS - 1:
                target = self.index.find(word[: len(word) - len(ending)] + base)
                if target is not None:
                    return target
        return None

    def quotes(self, body: str, entities: list[Entity]) -> list[Quote]:
        """Quotes in ``body`` with a cue in their sentence, and their speakers."""
        speakers = sorted(
            ((m, e) for e in entities if e.type in ("PERSON", "ORG") for m in e.mentions),
            key=lambda pair: pair[0].start,
        )
        doc = blank_pipeline(self.rules.code)(body)
        quotes: list[Quote] = []
        for sentence in doc.sents:
            start, end = sentence.start_char, sentence.end_char
            for opened, closed in self._quoted(body, start, end):
                quote = self._attributed(body, start, end, opened, closed, speakers)
                if quote is not None and not any(q.start <= quote.start < q.end for q in quotes):
                    quotes.append(quote)
        return sorted(quotes, key=lambda q: q.start)

    def _quoted(self, body: str, start: int, end: int) -> Iterator[tuple[int, int]]:
        """(content start, content end) of each quotation inside ``body[start:end]``."""
        for opening, closing in self.rules.quotes:
            at = start
            while (found := body.find(opening, at, end)) != -1:
                close = body.find(closing, found + len(opening), end + 400)
                if close == -1:
                    break
                content = body[found + len(opening) : close]
                if len(content.split()) >= MIN_QUOTE_WORDS and "\n\n" not in content:
                    yield found + len(opening), close
                at = close + len(closing)

    def _attributed(
        self,
        body: str,
        start: int,
        end: int,
        opened: int,
        closed: int,
        speakers: list[tuple[Mention, Entity]],
    ) -> Quote | None:
        outside = [(start, opened - 1), (closed + 1, max(end, closed + 1))]
        cue = next(
            (m for a, b in outside if b > a for m in [self._cue.search(body, a, b)] if m is not None), None
        )
        if cue is None:
            return None
        text = body[opened:closed].strip()
        near = [
            (mention, entity)
            for mention, entity in speakers
            if (start <= mention.start < opened - 1) or (closed < mention.start < max(end, closed + 1))
        ]
        speaker: tuple[Mention, Entity] | None = None
        if near:
            speaker = min(near, key=lambda pair: abs(pair[0].start - cue.start()))
        else:
            after_cue = body[cue.end() : cue.end() + 12].split()
            pronoun = after_cue[0].strip(",.").casefold() if after_cue else ""
            before_cue = body[max(start, cue.start() - 12) : cue.start()].split()
            pronoun_before = before_cue[-1].strip(",.").casefold() if before_cue else ""
            if pronoun in self.rules.person_pronouns or pronoun_before in self.rules.person_pronouns:
                earlier = [(m, e) for m, e in speakers if m.start < opened and e.type == "PERSON"]
                speaker = earlier[-1] if earlier else None
        mention, entity = speaker if speaker is not None else (None, None)
        return Quote(
            text=text,
            start=opened,
            end=closed,
            speaker=entity.canonical if entity else None,
            speaker_key=entity.key if entity else None,
            speaker_mention=mention,
            cue=cue.group(0),
        )


class Multilingual:
    """The language-independent stages for every configured language; each language's
    name index is built on its first article."""

    def __init__(self, kb: KnowledgeBase, gazetteer: Gazetteer, languages_path: Path | None = None) -> None:
        self._kb = kb
        self._gazetteer = gazetteer
        self.languages = load_languages(languages_path)
        self._annotators: dict[str, MultilingualAnnotator] = {}

    def covers(self, language: str | None) -> bool:
        return language is not None and language in self.languages

    def annotator(self, language: str) -> MultilingualAnnotator:
        found = self._annotators.get(language)
        if found is None:
            rules = self.languages[language]
            found = MultilingualAnnotator(rules, build_index(self._kb, self._gazetteer, rules))
            self._annotators[language] = found
        return found
