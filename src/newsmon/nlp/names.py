"""Names the knowledge base and the gazetteer do not hold, in articles of other languages.

Two finders, one per kind of language:

* :class:`ModelNames`: the language's spaCy model (``model:`` in ``configs/languages.yaml``)
  recognises people and organisations, as the English pipeline does;
* :class:`PatternNames`: where the language has no model, a person is two or more
  capitalised words led by a given name (``configs/given_names.tsv``: "Andreas Babler",
  "Marie-Claire Dupont", "Ursula von der Leyen"), and an organisation a capitalised name
  holding one of the language's organisation words (``org_words``: "Deutsche Bank",
  "Banque de France").

Both return :class:`FoundName` spans; :func:`surname_mentions` then adds the bare surnames
of the article's people ("Babler" after "Andreas Babler").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.language import Language

from newsmon.exceptions import ConfigurationError
from newsmon.settings import packaged_config_dir

# spaCy's labels across its news models: English-style (PERSON) and WikiNER-style (PER).
# Places come from the gazetteer's names in the language, not from the model: a place the
# gazetteer does not know has no country or region, and the models' LOC holds words such
# as French "Etat" ("le chef de l'Etat").
_MODEL_TYPES = {"PER": "PERSON", "PERSON": "PERSON", "ORG": "ORG"}
# Lower-case words inside a person's name: "Ursula von der Leyen", "Luiz Inácio Lula da Silva".
PARTICLES = frozenset(
    "von van der den de del della di da do dos das du le la ter ten zu bin al el y i".split()
)
_UPPER = "".join(c for c in map(chr, range(0x41, 0x530)) if c.isupper())
# A capitalised word, or an initial ("J.").
_WORD = rf"(?:[{_UPPER}]\.|[{_UPPER}][\w'’]*(?:-[{_UPPER}][\w'’]*)?)"
# Capitalised words in a row, with particles between them.
_PARTICLE = "|".join(sorted(PARTICLES, key=len, reverse=True))
_CAPITALISED_RUN = re.compile(rf"(?<![\w-]){_WORD}(?:[ \u00a0]+(?:(?:{_PARTICLE})[ \u00a0]+)*{_WORD})*")
MAX_NAME_WORDS = 5


@dataclass(frozen=True)
class FoundName:
    """A name the finder found: where it is written, the name it stands for (the full name,
    for a bare surname) and its type (PERSON or ORG)."""

    start: int
    end: int
    name: str
    type: str


@dataclass(frozen=True)
class GivenNames:
    """Given names and their gender: ``m``, ``f`` or ``u`` (both)."""

    genders: dict[str, str]

    def __contains__(self, name: str) -> bool:
        return name in self.genders or name.split("-")[0] in self.genders

    def gender(self, name: str) -> str | None:
        return self.genders.get(name) or self.genders.get(name.split("-")[0])


def load_given_names(path: Path | None = None) -> GivenNames:
    """``configs/given_names.tsv`` (or ``path``): a name and its gender a line, ``#`` comments."""
    path = path or packaged_config_dir() / "given_names.tsv"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ConfigurationError(f"cannot read given names {path}: {e}") from e
    genders: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, _, gender = line.partition("\t")
        if gender not in ("m", "f", "u"):
            raise ConfigurationError(f"{path}:{number}: expected name<TAB>m|f|u, got {line!r}")
        genders[name.strip()] = gender
    return GivenNames(genders)


@cache
def shared_given_names(path: Path | None = None) -> GivenNames:
    """The given names of ``path`` (default: the packaged list), read once per process."""
    return load_given_names(path)


class PatternNames:
    """People and organisations by capitalisation, for a language without a model."""

    def __init__(self, given: GivenNames, org_words: Iterable[str], stop_words: frozenset[str]) -> None:
        self.given = given
        self.org_words = frozenset(w.casefold() for w in org_words)
        self.stop_words = stop_words

    def find(self, text: str) -> list[FoundName]:
        found = []
        for match in _CAPITALISED_RUN.finditer(text):
            words = match.group(0).split()
            span = self._name(words)
            if span is None:
                continue
            first, last, kind = span
            # Where the name's first word starts in the run, and its last ends.
            at = match.start()
            for word in words[:first]:
                at = text.index(word, at) + len(word)
            start = text.index(words[first], at)
            end = start
            for word in words[first:last]:
                end = text.index(word, end) + len(word)
            found.append(FoundName(start, end, " ".join(words[first:last]), kind))
        return found

    def _name(self, words: list[str]) -> tuple[int, int, str] | None:
        """Which of ``words`` (a run of capitalised words and particles) make a name, and
        its type; None for no name. A person is a given name, any further given names, then
        the surname (with its particles: "von der Leyen", "Le Pen"); an organisation the run
        holding an organisation word, from its first word that is no stop word."""
        for i, word in enumerate(words[:-1]):
            if word in self.given and not word.endswith(".") and word.casefold() not in self.stop_words:
                end = i + 1
                while end < len(words) - 1 and words[end] in self.given:
                    end += 1  # middle names: "Hans Peter Doskozil"
                while end < len(words) - 1 and words[end].casefold() in PARTICLES:
                    end += 1  # "von der", "Le"
                if words[end].casefold() in self.stop_words or not words[end][:1].isupper():
                    return None
                return i, end + 1, "PERSON"
        if self.org_words and any(w.casefold().rstrip(".") in self.org_words for w in words):
            first = 0
            while first < len(words) and words[first].casefold() in self.stop_words:
                first += 1
            last = min(len(words), first + MAX_NAME_WORDS)
            if last - first >= 2:
                return first, last, "ORG"
        return None


class ModelNames:
    """People, organisations and places from the language's spaCy model."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    def find(self, text: str) -> list[FoundName]:
        doc = self.nlp(text)
        found = []
        for ent in doc.ents:
            kind = _MODEL_TYPES.get(ent.label_)
            name = ent.text.strip(" \n\t,.;:«»\"“”„'’-")
            if kind is None or len(name) < 2 or not name[:1].isupper():
                continue
            start = ent.start_char + ent.text.index(name)
            found.append(FoundName(start, start + len(name), name, kind))
        return found


NameFinder = ModelNames | PatternNames


def surname_mentions(text: str, people: list[FoundName]) -> list[FoundName]:
    """The bare surnames in ``text`` of the people named in full ("Babler" for "Andreas
    Babler"), outside the full names' own spans; a surname two people share is left out."""
    by_surname: dict[str, list[str]] = {}
    for person in people:
        words = person.name.split()
        if len(words) >= 2:
            names = by_surname.setdefault(words[-1], [])
            if person.name not in names:
                names.append(person.name)
    taken = [(p.start, p.end) for p in people]
    found = []
    for surname, full in by_surname.items():
        if len(full) != 1 or len(surname) < 3:
            continue
        for match in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text):
            if not any(a <= match.start() < b for a, b in taken):
                found.append(FoundName(match.start(), match.end(), full[0], "PERSON"))
    return found
