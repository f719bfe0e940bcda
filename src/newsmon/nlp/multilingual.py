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

Quotes are the text between the language's quotation marks (three words or more, not a
title); where the quote's sentence holds one of the language's cue words ("sagte", "a
déclaré", "según"), the speaker is the known person or organisation named nearest the cue
in that sentence, or, when the cue's subject is a pronoun ("sagte er"), the last person
named shortly before.
"""

from __future__ import annotations

import contextlib
import gettext
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from newsmon.exceptions import ConfigurationError
from newsmon.models.enrichment import Entity, Mention, Quote
from newsmon.nlp.gazetteer import Gazetteer
from newsmon.nlp.knowledge import KnowledgeBase, KnownEntity, fold, slug, spelling_key
from newsmon.nlp.names import (
    FoundName,
    GivenNames,
    ModelNames,
    NameFinder,
    PatternNames,
    shared_given_names,
    speech_patterns,
    surname_mentions,
)
from newsmon.nlp.speech import Attributor, SpeechRules
from newsmon.settings import read_config_yaml

MAX_NAME_WORDS = 6
_SENTENCE_ENDS = frozenset({".", "!", "?", ":", "\n", "\n\n"})
MIN_QUOTE_WORDS = 3
# The longest quotation (characters) between an opening mark and its closing one.
_MAX_QUOTE = 1500
MIN_INFLECTED_LETTERS = 5
_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper())
# Cities smaller than this are not matched in running text (too often also words).
MIN_CITY_POPULATION = 300_000


@dataclass(frozen=True)
class LanguageRules:
    """What ``configs/languages.yaml`` says of one language."""

    code: str
    quotes: tuple[tuple[str, str], ...]
    cues: tuple[str, ...]
    person_pronouns: dict[str, str | None]
    group_pronouns: frozenset[str]
    endings: tuple[tuple[str, str], ...]
    not_places: frozenset[str]
    capitalises_nouns: bool = False
    drops_subjects: bool = False
    dash_speech: bool = False
    model: str | None = None
    org_words: tuple[str, ...] = ()
    determiners: dict[str, str | None] = field(default_factory=dict)
    articles: frozenset[str] = frozenset()

    def speech(self) -> SpeechRules:
        return SpeechRules(self.cues, self.person_pronouns, self.determiners, self.drops_subjects)


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
            person_pronouns=_gendered(path, code, entry.get("person_pronouns")),
            group_pronouns=frozenset(str(p) for p in entry.get("group_pronouns") or ()),
            endings=endings,
            not_places=frozenset(str(p) for p in entry.get("not_places") or ()),
            capitalises_nouns=bool(entry.get("capitalises_nouns", False)),
            drops_subjects=bool(entry.get("drops_subjects", False)),
            dash_speech=bool(entry.get("dash_speech", False)),
            model=str(entry["model"]) if entry.get("model") else None,
            org_words=tuple(str(w) for w in entry.get("org_words") or ()),
            determiners=_gendered(path, code, entry.get("determiners")),
            articles=frozenset(str(a).casefold() for a in entry.get("articles") or ()),
        )
    return languages


def _gendered(path: Path, code: object, value: object) -> dict[str, str | None]:
    """A list of words, or a mapping of words to a gender (m, f, or null for either)."""
    if isinstance(value, dict):
        if not all(g in ("m", "f", None) for g in value.values()):
            raise ConfigurationError(f"{path}: language {code!r}: genders are m, f or null")
        return {str(w).casefold(): (str(g) if g else None) for w, g in value.items()}
    if not isinstance(value, list | tuple | type(None)):
        raise ConfigurationError(f"{path}: language {code!r}: expected a list or a mapping, got {value!r}")
    return {str(w).casefold(): None for w in value or ()}


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
            if len(name) == 4 and name.isalpha():
                # Four-letter acronyms are written as words too: "Otan", "Nato".
                self.spellings.setdefault(spelling_key(name), target)
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
    given: GivenNames | None = None,
) -> NameIndex:
    """The names of ``kb`` (first: they win), the countries in the language, then places;
    a city's one-word name that is also a given name ("Bella", "Sophia", "Victoria") only
    where it is a big city's own name."""
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
            index.add(name, _place(country, code), tolerant=len(name.split()) > 1)
    for name, record, own in gazetteer.place_names(min_city_population):
        if name in rules.not_places:
            continue
        small = record.kind == "city" and (not own or record.population < min_city_population)
        if small and given is not None and " " not in name and name in given:
            continue
        # The place a name means as the gazetteer ranks them ("New York": the city, not the state).
        resolution = gazetteer.resolve(name)
        place = resolution.place if resolution is not None and record.kind != "region" else record
        if place.kind == "region":
            region = _Target(place.name, "GPE", f"place:region:{slug(place.name)}")
            index.add(name, region, own and len(name.split()) > 1)
            continue
        canonical = gazetteer.country_name(place.country_code) if place.kind == "country" else place.name
        # A one-word place name as written only: spelling tolerance would make words of it
        # (German "Pollen" would be "Polen").
        tolerant = own and len(name.split()) > 1
        index.add(name, _place(canonical, place.country_code, place.kind == "city"), tolerant)
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
    """An article's words, the whitespace after each and where each starts."""

    words: list[str]
    spaces: list[str]
    starts: list[int]

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, i: int) -> str:
        return self.words[i]

    def text(self, start: int, end: int) -> str:
        """Words ``start`` to ``end`` as written."""
        return "".join(
            w + s for w, s in zip(self.words[start:end], self.spaces[start:end], strict=True)
        ).strip()


_HYPHEN = re.compile(r"(-)")


def _split_words(doc: Doc) -> _Words:
    """spaCy's words, hyphenated ones cut at their hyphens ("EU-Richtlinien", "Ex-Nato-Chef":
    the name is a part), each part keeping its place."""
    words, spaces, starts = [], [], []
    for token in doc:
        parts = [p for p in _HYPHEN.split(token.text) if p] if "-" in token.text[1:-1] else [token.text]
        at = token.idx
        for n, part in enumerate(parts):
            words.append(part)
            spaces.append(token.whitespace_ if n == len(parts) - 1 else "")
            starts.append(at)
            at += len(part)
    return _Words(words, spaces, starts)


# A paragraph of speech opens with a dash; the narrator's words sit between dashes:
# "– Nie zgodzimy się na to – powiedział premier. – To nasza granica."
_SPEECH_OPENING = re.compile(r"(?m)^[ \t]*[–—][ \t]+")
_SPEECH_BREAK = re.compile(r"[ \t][–—][ \t]")


def _dash_speech(body: str) -> list[tuple[int, int, int]]:
    """(content start, content end, 1) of each spoken part of the paragraphs that open with
    a dash: the parts outside the narrator's words between dashes."""
    found = []
    for opening in _SPEECH_OPENING.finditer(body):
        end = body.find("\n", opening.end())
        end = len(body) if end == -1 else end
        at, speaking = opening.end(), True
        for brk in [*_SPEECH_BREAK.finditer(body, opening.end(), end), None]:
            stop = brk.start() if brk is not None else end
            part = body[at:stop].rstrip()
            if speaking and len(part.split()) >= MIN_QUOTE_WORDS:
                found.append((at, at + len(part), 1))
            if brk is None:
                break
            at, speaking = brk.end(), not speaking
    return found


def _title_like(text: str) -> bool:
    """A quoted name ("New York Times", "New England Journal of Medicine"): a few words,
    each of four letters or more capitalised."""
    words = text.split()
    return 0 < len(words) <= 6 and all(w[:1].isupper() for w in words if len(w) >= 4)


@dataclass
class _Found:
    target: _Target
    start: int
    end: int
    text: str


class MultilingualAnnotator:
    """Entities and quotes of one language's articles, from the index of its names."""

    def __init__(
        self, rules: LanguageRules, index: NameIndex, given: GivenNames, names: NameFinder | None = None
    ) -> None:
        self.rules = rules
        self.index = index
        self.names = names
        self._stop_words = frozenset(w.casefold() for w in blank_pipeline(rules.code).Defaults.stop_words)
        self.attributor = Attributor(
            rules.speech(),
            given,
            self._stop_words,
            lambda name: index.find(name) is not None,
            names.subject if isinstance(names, ModelNames) else None,
        )

    def zone(self) -> contextlib.AbstractContextManager[None]:
        """Where to annotate one article: with a model, its strings are freed after."""
        return self.names.zone() if isinstance(self.names, ModelNames) else contextlib.nullcontext()

    def entities(self, body: str, title: str = "") -> list[Entity]:
        """The known entities and places of ``body``, then the names the language's finder
        recognises (:mod:`newsmon.nlp.names`), most mentioned first."""
        found = list(self._matches(body))
        if self.names is not None:
            found = _with_unknown(found, self.names.find(body), body)
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
                in_title=key in title_found
                or (items[0].target.known is None and fold(items[0].target.canonical) in fold(title)),
            )
            for key, items in groups.items()
        ]
        return sorted(entities, key=lambda e: (-e.count, e.mentions[0].start))

    def _matches(self, text: str) -> Iterator[_Found]:
        words = _split_words(blank_pipeline(self.rules.code).make_doc(text))
        titles = [(a, b) for a, b, _ in self.quotations(text) if _title_like(text[a:b])]
        i = 0
        while i < len(words):
            hit = self._longest_at(words, i)
            if hit is None or (
                hit[1] == 1
                and hit[0].country_code
                # An inflected place is no part of a name: "Tschechiens Außenminister".
                and self.index.find(words[i]) is not None
                and self._part_of_a_name(words, i, hit[0])
            ):
                i += 1
                continue
            target, length = hit
            start, end = words.starts[i], words.starts[i + length - 1] + len(words[i + length - 1])
            if not any(a <= start < b for a, b in titles):  # "New York Times", a paper's name
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

    def _part_of_a_name(self, words: _Words, i: int, place: _Target) -> bool:
        """Whether the one-word place name at ``i`` is part of another name here: a
        capitalised word that is no known name follows ("Vladimir Poutine", "Georgia Palmer",
        "Texas Instruments") or, for a city where only names are capitalised, comes before
        ("Marylise Léon")."""
        return self._unknown_capitalised(words, i + 1) or (
            place.city
            and not self.rules.capitalises_nouns
            and i > 0
            and self._unknown_capitalised(words, i - 1)
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
        """Quotes in ``body`` (quotations of three words or more that are no titles), with
        their speakers (:mod:`newsmon.nlp.speech`)."""
        spans = self.quotations(body)
        ends = self._sentence_ends(body, spans)
        kept, sentences = [], []
        for opened, closed, mark in spans:
            if self._a_title(body[opened:closed].strip()):
                continue
            # The quotation's sentence: from the sentence end before its opening mark to the
            # first after its closing mark (sentence ends inside a quotation do not count).
            start = max((e for e in ends if e <= opened - mark), default=0)
            end = min((e for e in ends if e > closed), default=len(body))
            kept.append((opened, closed, mark))
            sentences.append((start, end))
        return self.attributor.attribute(body, kept, sentences, entities)

    def quotations(self, body: str) -> list[tuple[int, int, int]]:
        """(content start, content end, opening mark's length) of each quotation of three
        words or more in ``body``, in order; a quotation inside another is not a quote."""
        found: list[tuple[int, int, int]] = []
        for opening, closing in self.rules.quotes:
            at = 0
            while (start := body.find(opening, at)) != -1:
                close = body.find(closing, start + len(opening), start + len(opening) + _MAX_QUOTE)
                if close == -1:
                    at = start + len(opening)
                    continue
                content = body[start + len(opening) : close]
                if len(content.split()) >= MIN_QUOTE_WORDS and "\n\n" not in content:
                    found.append((start + len(opening), close, len(opening)))
                at = close + len(closing)
        if self.rules.dash_speech:
            found.extend(_dash_speech(body))
        kept: list[tuple[int, int, int]] = []
        for span in sorted(found, key=lambda f: (f[0], -f[1])):
            if not any(k[0] - k[2] <= span[0] < k[1] + 1 for k in kept):
                kept.append(span)
        return kept

    def _sentence_ends(self, body: str, spans: list[tuple[int, int, int]]) -> list[int]:
        """Where sentences start, leaving out sentence ends inside a quotation."""
        doc = blank_pipeline(self.rules.code)(body)
        return [
            s.start_char
            for s in doc.sents
            if not any(opened - mark < s.start_char <= closed for opened, closed, mark in spans)
        ]

    def _a_title(self, text: str) -> bool:
        """A quoted work or name ("Some People Need Killing"): every word capitalised, where
        the language capitalises names only."""
        words = [w for w in text.split() if w[:1].isalpha()]
        return not self.rules.capitalises_nouns and len(words) <= 6 and all(w[:1].isupper() for w in words)


def _with_unknown(known: list[_Found], unknown: list[FoundName], body: str) -> list[_Found]:
    """The known names of an article with the names its finder found: a found name
    overlapping a known one is left out, unless it is a person or organisation holding a
    one-word known name of something else ("Jane Johnson" is not Boris Johnson, "Banque de
    France" is not France); a lone surname of a person named in full joins that person."""
    people = [n for n in unknown if n.type == "PERSON" and len(n.name.split()) >= 2]
    kept: list[_Found] = []
    dropped: list[_Found] = []
    added: list[_Found] = []
    for name in [*unknown, *surname_mentions(body, people)]:
        inside = [k for k in known if k.start < name.end and name.start < k.end]
        if inside and not all(_overruled(k, name) for k in inside):
            continue
        dropped.extend(inside)
        added.append(_Found(_unknown_target(name, people), name.start, name.end, body[name.start : name.end]))
    kept = [k for k in known if k not in dropped]
    merged: list[_Found] = []
    for item in sorted([*kept, *added], key=lambda f: (f.start, -f.end)):
        if merged and item.start < merged[-1].end:
            continue  # a surname inside a name already taken
        merged.append(item)
    return merged


def _unknown_in_title(target: _Target, title: str) -> bool:
    return target.known is None and target.type != "GPE" and fold(target.canonical) in fold(title)


def _overruled(known: _Found, name: FoundName) -> bool:
    """Whether the found ``name`` wins over the known name inside it."""
    if name.type not in ("PERSON", "ORG") or len(known.text.split()) > 1:
        return False
    if not (
        name.start <= known.start
        and known.end <= name.end
        and (name.start, name.end) != (known.start, known.end)
    ):
        return False
    if known.target.type == "PERSON" and known.target.canonical.split()[-1] == name.name.split()[-1]:
        return False  # "Präsident Macron": the known Macron
    if known.target.type == "GPE" and known.end == name.end:
        return False  # "Solange Deutschland": a sentence's first word before a country
    return not (known.target.type == name.type == "ORG")


def _unknown_target(name: FoundName, people: list[FoundName]) -> _Target:
    canonical = name.name
    if name.type == "PERSON" and len(canonical.split()) == 1:
        # A surname the finder found alone: the article's one person of that surname.
        full = {p.name for p in people if p.name.split()[-1] == canonical}
        if len(full) == 1:
            canonical = full.pop()
    return _Target(canonical, name.type, f"{name.type.lower()}:{slug(canonical)}")


class Multilingual:
    """The stages for every configured language. A language's spaCy model (``model:`` in
    languages.yaml, or ``models``, which overrides it) is loaded here, once; each language's
    name index is built on its first article."""

    def __init__(
        self,
        kb: KnowledgeBase,
        gazetteer: Gazetteer,
        languages_path: Path | None = None,
        models: dict[str, str] | None = None,
        given_names_path: Path | None = None,
    ) -> None:
        self._kb = kb
        self._gazetteer = gazetteer
        self.languages = load_languages(languages_path)
        self.models = {code: rules.model for code, rules in self.languages.items() if rules.model}
        self.models.update(models or {})
        self._given_names_path = given_names_path
        self._pipelines = {code: _load_model(code, name) for code, name in self.models.items()}
        self._annotators: dict[str, MultilingualAnnotator] = {}

    def covers(self, language: str | None) -> bool:
        return language is not None and language in self.languages

    def has_model(self, language: str | None) -> bool:
        return language in self._pipelines

    def annotator(self, language: str) -> MultilingualAnnotator:
        found = self._annotators.get(language)
        if found is None:
            rules = self.languages[language]
            finder: NameFinder
            if language in self._pipelines:
                finder = ModelNames(
                    self._pipelines[language], lambda name: self._gazetteer.resolve(name) is not None
                )
            else:
                stop_words = frozenset(w.casefold() for w in blank_pipeline(language).Defaults.stop_words)
                finder = PatternNames(
                    shared_given_names(self._given_names_path),
                    rules.org_words,
                    stop_words,
                    speech_patterns(rules.cues, [b for _, b in rules.quotes], rules.capitalises_nouns),
                    rules.capitalises_nouns,
                    rules.articles,
                )
            given = shared_given_names(self._given_names_path)
            index = build_index(self._kb, self._gazetteer, rules, given=given)
            found = MultilingualAnnotator(rules, index, given, finder)
            self._annotators[language] = found
        return found


def _load_model(language: str, name: str) -> Language:
    """The spaCy model ``name`` for ``language``: installed as a package (never downloaded),
    without its lemmatizer (unused)."""
    try:
        return spacy.load(name, exclude=["lemmatizer"])
    except OSError as e:
        raise ConfigurationError(
            f"language {language}: spaCy model {name!r} is not installed (pip install it, or drop "
            "model: from languages.yaml to enrich the language without one)"
        ) from e
