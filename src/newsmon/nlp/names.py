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

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

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
# Honorifics before a name, with the gender they say: not part of the name ("Mme Binet").
HONORIFICS = {
    "frau": "f", "herr": "m", "herrn": "m", "mme": "f", "madame": "f", "m.": "m", "monsieur": "m",
    "mr": "m", "mr.": "m", "mrs": "f", "mrs.": "f", "ms": "f", "ms.": "f", "sra.": "f", "sr.": "m",
    "señora": "f", "señor": "m", "signora": "f", "signor": "m", "pani": "f", "pan": "m",
    "mevrouw": "f", "meneer": "m", "dr": None, "dr.": None, "prof.": None,
}  # fmt: skip
# An elided article before a name: French "L’Otan", "d'Emmanuel".
_ELIDED = re.compile(r"^[LlDd]['’]")


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
    """People and organisations by capitalisation, for a language without a model.

    Besides the names led by a given name, a speaker's surname counts as a person's name
    when the article uses it as the subject of speech ("sagte Krickau", "«…», gestand
    Féraud") and writes it capitalised at least twice; led by a given name or, where only
    names are capitalised, any capitalised word ("Shai Gilgeous-Alexander"), it is the
    person's full name.
    """

    def __init__(
        self,
        given: GivenNames,
        org_words: Iterable[str],
        stop_words: frozenset[str],
        speech: tuple[re.Pattern[str], ...] = (),
        capitalises_nouns: bool = False,
        articles: frozenset[str] = frozenset(),
    ) -> None:
        self.given = given
        self.org_words = frozenset(w.casefold() for w in org_words)
        self.stop_words = stop_words
        self.speech = speech
        self.capitalises_nouns = capitalises_nouns
        self.articles = articles

    def find(self, text: str) -> list[FoundName]:
        found = self._led_by_given_names(text)
        taken = [(f.start, f.end) for f in found]
        for name in self._speakers_by_surname(text):
            if not any(a < name.end and name.start < b for a, b in taken):
                found.append(name)
        return sorted(found, key=lambda f: f.start)

    def _speakers_by_surname(self, text: str) -> list[FoundName]:
        surnames = set()
        for match in (m for pattern in self.speech for m in pattern.finditer(text)):
            word = match.group("name")
            if len(word) >= 3 and word.casefold() not in self.stop_words and word not in self.given:
                surnames.add(word)
        found = []
        for surname in surnames:
            places = [m.start() for m in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text)]
            if len(places) < 2 or any(self._a_noun(text, at, surname) for at in places):
                continue
            full = surname
            for at in places:
                before = text[max(0, at - 40) : at].split()
                word = before[-1] if before else ""
                if (
                    word[:1].isupper()
                    and word.casefold() not in self.stop_words
                    and (word in self.given or not self.capitalises_nouns)
                    and text[at - 1] == " "
                ):
                    full = f"{word} {surname}"
                    break
            for at in places:
                lead = at - len(full) + len(surname)
                start = lead if lead >= 0 and text[lead : at + len(surname)] == full else at
                found.append(FoundName(start, at + len(surname), full, "PERSON"))
        return found

    def _a_noun(self, text: str, at: int, word: str) -> bool:
        """Whether ``word`` at ``at`` is a noun, no surname: written after an article ("der
        Trainer"), or a role before a capitalised name ("Trainer Nicolej Krickau")."""
        before = text[max(0, at - 20) : at].split()
        after = text[at + len(word) : at + len(word) + 30].split()
        return bool(
            (before and before[-1].casefold() in self.articles)
            or (after and after[0][:1].isupper() and after[0].casefold() not in self.stop_words)
        )

    def _led_by_given_names(self, text: str) -> list[FoundName]:
        found = []
        # Given names the text also writes in lower case are words there (German "Solange").
        lower = frozenset(re.findall(r"(?<![\w-])[^\W\d_A-Z][\w'’]*", text))
        for match in _CAPITALISED_RUN.finditer(text):
            words = match.group(0).split()
            span = self._name(words, lower)
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

    def _name(self, words: list[str], lower: frozenset[str] = frozenset()) -> tuple[int, int, str] | None:
        """Which of ``words`` (a run of capitalised words and particles) make a name, and
        its type; None for no name. A person is a given name, any further given names, then
        the surname (with its particles: "von der Leyen", "Le Pen"); an organisation the run
        holding an organisation word, from its first word that is no stop word."""
        for i, word in enumerate(words[:-1]):
            if (
                word in self.given
                and not word.endswith(".")
                and word.casefold() not in self.stop_words
                and word.casefold() not in lower
            ):
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


@dataclass(frozen=True)
class Subject:
    """A verb's subject in the parse: its whole phrase and its head word."""

    start: int
    end: int
    head_start: int
    head_end: int
    pronoun: bool


class ModelNames:
    """People and organisations from the language's spaCy model, and the subjects of its
    verbs (for the speakers); the last text's parse is kept for both."""

    def __init__(self, nlp: Language, is_place: Callable[[str], bool] = lambda name: False) -> None:
        self.nlp = nlp
        self.is_place = is_place
        self._text: str | None = None
        self._doc: Doc | None = None

    @contextlib.contextmanager
    def zone(self) -> Iterator[None]:
        """Parse inside: the strings spaCy adds for the texts parsed there are freed after
        (a long-running worker's vocabulary would otherwise grow with every article)."""
        with self.nlp.memory_zone():
            try:
                yield
            finally:
                self._text, self._doc = None, None

    def _parse(self, text: str) -> Doc:
        """The text parsed paragraph by paragraph (a headline without a full stop is no
        part of the next paragraph's first sentence), as one Doc with the text's offsets."""
        if self._doc is None or self._text != text:
            paragraphs = [p for p in re.split(r"(?<=\n)", text) if p] or [text]
            docs = list(self.nlp.pipe(paragraphs))
            self._text = text
            self._doc = Doc.from_docs(docs, ensure_whitespace=False) if len(docs) > 1 else docs[0]
        return self._doc

    def subject(self, text: str, at: int) -> Subject | None:
        """The subject of the verb whose word starts at ``at`` (through its auxiliaries:
        "a déclaré"), or None."""
        doc = self._parse(text)
        span = doc.char_span(at, at + 1, alignment_mode="expand")
        if span is None or not len(span):
            return None
        verb = span.root
        while verb.dep_.startswith(("aux", "cop")) and verb.head is not verb:
            verb = verb.head
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubj:pass", "expl:subj"):
                right = child.right_edge
                return Subject(
                    child.left_edge.idx,
                    right.idx + len(right),
                    child.idx,
                    child.idx + len(child),
                    child.pos_ == "PRON",
                )
        return None

    def find(self, text: str) -> list[FoundName]:
        doc = self._parse(text)
        found = []
        for ent in doc.ents:
            kind = _MODEL_TYPES.get(ent.label_)
            name = _ELIDED.sub("", ent.text.strip(" \n\t,.;:«»\"“”„'’-"))
            words = name.split()
            if kind == "PERSON" and len(words) > 1 and words[0].casefold() in HONORIFICS:
                name = " ".join(words[1:])  # "Mme Binet": Binet, the article's Sophie Binet
            if kind is None or len(name) < 2 or not name[:1].isupper():
                continue
            if kind == "PERSON" and " " not in name and self._no_person(text, name):
                continue
            start = ent.start_char + ent.text.index(name)
            found.append(FoundName(start, start + len(name), name, kind))
        return found

    def _no_person(self, text: str, word: str) -> bool:
        """A one-word "person" the small models get wrong: a word the text also writes in
        lower case ("Jeudi", "jeudi"), or a place ("Pokrovsk")."""
        return re.search(
            rf"(?<![\w-]){re.escape(word.casefold())}(?![\w-])", text
        ) is not None or self.is_place(word)


NameFinder = ModelNames | PatternNames


def speech_patterns(
    cues: Iterable[str], closing_marks: Iterable[str], capitalises_nouns: bool
) -> tuple[re.Pattern[str], ...]:
    """Where a text names a speaker by one capitalised word: after a cue ("sagte Krickau"),
    after a quotation's closing mark, a comma and a verb ("«…», gestand Féraud"), and, where
    only names are capitalised, before a cue ("Krickau berichtete")."""
    cue = "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True))
    name = rf"(?P<name>[{_UPPER}][\w'’]+(?:-[{_UPPER}][\w'’]+)?)(?![\w-])"
    marks = "".join(re.escape(m) for m in set(closing_marks))
    patterns = [
        re.compile(rf"(?<!\w)(?:{cue})\s+{name}"),
        re.compile(rf"[{marks}],?\s+\w+\s+(?:sich\s+|se\s+|s'|s’)?{name}"),
    ]
    if not capitalises_nouns:
        patterns.append(re.compile(rf"(?<![\w-]){name}\s+(?:{cue})(?!\w)"))
    return tuple(patterns)


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
