"""Who said a quotation, in the languages of ``configs/languages.yaml``.

The rules, in order, for a quotation in its sentence:

1. A cue: one of the language's cue words in the sentence ("sagte", "a déclaré", "según"),
   the nearest to the quotation, or the word right after it in an inverted attribution
   ("«…», gestand Féraud", "„…“, regt sie an"). The speaker is the person or organisation
   named right after or before the cue; a pronoun there ("sagte er", "confie-t-elle") or a
   description ("so der Mediziner", "a averti le président russe") stands for the last
   person named before, of the pronoun's gender; an unnamed subject where the language
   drops them ("– wskazał") too. A name the article's entities do not hold, nearer the cue
   than any that they do, means a speaker we cannot name.
2. An introduction: a clause ending in a colon before the quotation ("Krickau berichtete
   über die Situation: „…“", "entgegnet sie: „…“"): its last person named, or the last
   person before it for a pronoun.
3. A continuation: a quotation with neither, shortly after a quotation of a known speaker
   with nobody else named between them, is that speaker's ("«…», a-t-il raconté. Et
   d'ajouter «…»").
4. The sentence's subject: a person named before the quotation in its sentence ("Mme
   Binet est « … »", "bezeichnete Heusgen „…“").

A person's gender, for the pronouns, comes from their given name (``given_names.tsv``) or an
honorific in one of their mentions (Frau, Mme).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from newsmon.models.enrichment import Entity, Mention, Quote
from newsmon.nlp.names import HONORIFICS, GivenNames, Subject

# How far back (characters) a pronoun or a description looks for the person it stands for.
PRONOUN_REACH = 600
# Where a cue's speaker is named: before it (its subject) or right after it (inverted).
BEFORE_CUE = 80
AFTER_CUE = 60
# How far back the article's main person may have been named for a pronoun to be theirs.
SALIENCE_REACH = 1500
# How long a clause introducing a quotation with a colon may be.
INTRODUCTION = 160
# How far after a quotation of a known speaker the next one, unattributed, continues it.
CONTINUATION = 400
_UPPER = "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper())
# Two or more capitalised words in a row: a name.
_NAME_LIKE = re.compile(rf"(?<!\w)[{_UPPER}][\w'’-]+(?:\s+[{_UPPER}][\w'’-]+)+")
# After a closing mark: a comma and one word, the verb of an inverted attribution.
_INVERTED = re.compile(r"\s*[,–—-]?\s*([^\W\d_]+(?:-t)?)(?=[\s-])", re.UNICODE)
# Between an inverted verb and its subject: "zeigt sich X", "se félicite X".
_REFLEXIVE = frozenset({"sich", "se", "s'", "s’", "si"})

Speaker = tuple[Mention, Entity]


@dataclass(frozen=True)
class SpeechRules:
    """What attributes a quotation in one language."""

    cues: tuple[str, ...]
    pronouns: dict[str, str | None]
    determiners: dict[str, str | None]
    drops_subjects: bool = False


class Attributor:
    """The speakers of one language's quotations."""

    def __init__(
        self,
        rules: SpeechRules,
        given: GivenNames,
        stop_words: frozenset[str],
        known_name: Callable[[str], bool],
        subject_of: Callable[[str, int], Subject | None] | None = None,
    ) -> None:
        self.rules = rules
        self.subject_of = subject_of
        self.given = given
        self.stop_words = stop_words
        self.known_name = known_name
        cues = sorted(rules.cues, key=len, reverse=True)
        self._cue = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(c) for c in cues) + r")(?!\w)", re.IGNORECASE
        )

    def attribute(
        self,
        body: str,
        spans: list[tuple[int, int, int]],
        sentences: list[tuple[int, int]],
        entities: list[Entity],
    ) -> list[Quote]:
        """A :class:`Quote` for each quotation ``(start, end, mark length)`` of ``spans``;
        ``sentences`` gives each quotation's sentence."""
        inside = [(a - m, b + m) for a, b, m in spans]
        speakers = sorted(
            (
                (m, e)
                for e in entities
                if e.type in ("PERSON", "ORG")
                for m in e.mentions
                if not any(a <= m.start < b for a, b in inside)
            ),
            key=lambda pair: pair[0].start,
        )
        genders = {e.key: self._gender(e, body) for e in entities if e.type == "PERSON"}
        context = _Context(
            body, inside, speakers, genders, [(m.start, m.end) for e in entities for m in e.mentions]
        )
        quotes: list[Quote] = []
        previous: tuple[int, Speaker] | None = None
        for (opened, closed, mark), (start, end) in zip(spans, sentences, strict=True):
            cue = self._cue_of(body, start, end, opened, closed, mark)
            speaker = self._by_cue(context, start, end, opened, closed, cue) if cue else None
            if cue is None:
                speaker = (
                    self._introduced(context, start, opened, mark)
                    or _continued(context, previous, opened)
                    or self._subject(context, start, opened)
                )
            if speaker is not None:
                previous = (closed, speaker)
            elif cue is not None:
                previous = None
            quotes.append(
                Quote(
                    text=body[opened:closed].strip(),
                    start=opened,
                    end=closed,
                    speaker=speaker[1].canonical if speaker else None,
                    speaker_key=speaker[1].key if speaker else None,
                    speaker_mention=speaker[0] if speaker else None,
                    cue=cue.group(0) if cue else None,
                )
            )
        return quotes

    # ---- the cue ----

    def _cue_of(
        self, body: str, start: int, end: int, opened: int, closed: int, mark: int
    ) -> re.Match[str] | None:
        """The verb of an inverted attribution right after the quotation ("„…“, gestand
        Féraud", "«…», zeigt sich X"), else the cue word nearest the quotation in its
        sentence: the last before it or the first after it."""
        inverted = self._inverted(body, closed + mark)
        if inverted is not None:
            return inverted
        before = list(self._cue.finditer(body, start, max(start, opened - mark)))
        after = list(self._cue.finditer(body, closed + mark, max(end, closed + mark)))
        candidates = ([(opened - before[-1].end(), before[-1])] if before else []) + (
            [(after[0].start() - closed, after[0])] if after else []
        )
        return min(candidates, key=lambda pair: pair[0])[1] if candidates else None

    def _inverted(self, body: str, at: int) -> re.Match[str] | None:
        """A comma, then a verb, then its subject (a pronoun, a description or a name)."""
        inverted = _INVERTED.match(body, at)
        if inverted is None or body[at : inverted.start(1)].strip() not in (",", "–", "—", "-"):
            return None
        if inverted.group(1).casefold() in self.stop_words or inverted.group(1)[:1].isupper():
            return None
        words = body[inverted.end(1) : inverted.end(1) + 60].replace("-", " ").split()
        if words and words[0].casefold() in _REFLEXIVE:
            words = words[1:]
        first = words[0].strip(",.;:") if words else ""
        if first.casefold() in self.rules.pronouns or first.casefold() in self.rules.determiners:
            return inverted
        return inverted if first[:1].isupper() and first.casefold() not in self.stop_words else None

    def _by_cue(
        self, context: _Context, start: int, end: int, opened: int, closed: int, cue: re.Match[str]
    ) -> Speaker | None:
        """Who the cue gives the quotation to: its subject in the parse, where the language
        has a model and the parse gives one, else the words around it."""
        parsed = self._by_parse(context, opened, cue)
        if parsed is not None:
            return parsed
        body = context.body
        low = max(start, cue.start() - BEFORE_CUE, body.rfind("\n", 0, cue.start()) + 1)
        high = min(max(end, cue.end()), cue.end() + AFTER_CUE)
        if (newline := body.find("\n", cue.end(), high)) != -1:
            high = newline
        after = body[cue.end() : high].replace("-t-", " ").replace("-", " ").split()
        before = body[low : cue.start()].split()
        first_after = after[0].strip(",.:;").casefold() if after else ""
        last_before = before[-1].strip(",.:;").casefold() if before else ""
        near = [
            (mention, entity)
            for mention, entity in context.speakers
            if not context.quoted(mention.start)
            and not _modifier(body, mention)
            and (
                (low <= mention.start < cue.start() and "," not in body[mention.end : cue.start()])
                or (cue.end() <= mention.start < high and _subject_after(body[cue.end() : mention.start]))
            )
        ]
        named = min(near, key=lambda pair: abs(pair[0].start - cue.start())) if near else None
        for word in (first_after, last_before):
            if word in self.rules.pronouns:
                if named is not None and abs(named[0].start - cue.start()) < len(word) + 3:
                    return named
                return context.last_person(opened, self.rules.pronouns[word], pronoun=True)
        unknown = self._unknown_name_near(context, cue, (low, high))
        if unknown is not None and (named is None or unknown < abs(named[0].start - cue.start())):
            return None  # "a affirmé le ministre ..., Andreï Belooussov", unknown to us
        if named is not None:
            return named
        for word in (first_after, last_before):
            if word in self.rules.determiners:
                return context.last_person(opened, self.rules.determiners[word])
        if self.rules.drops_subjects and unknown is None:
            return context.last_person(opened, None)  # Polish "– wskazał."
        return None

    def _by_parse(self, context: _Context, opened: int, cue: re.Match[str]) -> Speaker | None:
        """The cue verb's subject: the person or organisation it names (its head word's
        first: "Keir Starmer, qui … Emmanuel Macron, affirme"), or the person a pronoun
        subject stands for."""
        subject = self.subject_of(context.body, cue.start(cue.lastindex or 0)) if self.subject_of else None
        if subject is None or context.quoted(subject.head_start):
            return None
        if subject.pronoun:
            word = context.body[subject.head_start : subject.head_end].casefold()
            if word in self.rules.pronouns:
                return context.last_person(opened, self.rules.pronouns[word], pronoun=True)
            return None
        inside = [
            (m, e)
            for m, e in context.speakers
            if subject.start <= m.start and m.end <= subject.end and not _modifier(context.body, m)
        ]
        heads = [(m, e) for m, e in inside if m.start <= subject.head_start < m.end]
        found = heads or inside
        return found[0] if found else None

    def _unknown_name_near(
        self, context: _Context, cue: re.Match[str], window: tuple[int, int]
    ) -> int | None:
        """Distance from the cue to the nearest name no entity of the article holds, on either
        side of it within ``window`` and outside quotations; None if none."""
        spans = ((window[0], cue.start()), (cue.end(), window[1]))
        distances = [
            abs(at - cue.start())
            for a, b in spans
            for at in self._unknown_names(context, a, b)
            if not context.quoted(at)
        ]
        return min(distances) if distances else None

    def _unknown_names(self, context: _Context, start: int, end: int) -> list[int]:
        """Where names that are no entity of the article start in ``body[start:end]`` (two
        capitalised words, the first no stop word: "Die Regierung" is none)."""
        found = []
        for match in _NAME_LIKE.finditer(context.body, start, end):
            words = match.group(0).split()
            if words[0].casefold() in self.stop_words:
                continue
            if context.named(match.start(), match.end()):
                continue
            if self.known_name(match.group(0)) or any(self.known_name(w) for w in words):
                continue
            found.append(match.start())
        return found

    # ---- without a cue ----

    def _introduced(self, context: _Context, start: int, opened: int, mark: int) -> Speaker | None:
        """The speaker of a clause that introduces the quotation with a colon."""
        lead = context.body[max(start, opened - mark - INTRODUCTION) : opened - mark].rstrip()
        if not lead.endswith(":"):
            return None
        clause_start = (
            opened - mark - len(context.body[max(start, opened - mark - INTRODUCTION) : opened - mark])
        )
        words = [w.strip(",.;:").casefold() for w in lead.split()]
        near = [(m, e) for m, e in context.speakers if clause_start <= m.start and m.end <= opened - mark]
        if near:
            return near[-1]
        for word in words:
            if word in self.rules.pronouns:
                return context.last_person(opened, self.rules.pronouns[word], pronoun=True)
        return None

    def _subject(self, context: _Context, start: int, opened: int) -> Speaker | None:
        """The last person named before the quotation in its sentence."""
        near = [
            (m, e)
            for m, e in context.speakers
            if start <= m.start and m.end <= opened and e.type == "PERSON" and not context.quoted(m.start)
        ]
        return near[-1] if near else None

    def _gender(self, entity: Entity, body: str) -> str | None:
        """A person's gender: an honorific before or in one of their mentions ("Mme Binet"),
        else their given name's."""
        for mention in entity.mentions:
            before = body[max(0, mention.start - 12) : mention.start].split()
            words = [*before[-1:], *mention.text.split()[:1]]
            for word in words:
                if HONORIFICS.get(word.casefold()):
                    return HONORIFICS[word.casefold()]
        words = entity.canonical.split()
        gender = self.given.gender(words[0]) if len(words) >= 2 else None
        return gender if gender in ("m", "f") else None


@dataclass
class _Context:
    """One article's body, quotations and named speakers."""

    body: str
    inside: list[tuple[int, int]]  # each quotation with its marks
    speakers: list[Speaker]
    genders: dict[str, str | None]
    names: list[tuple[int, int]]  # every entity mention

    def quoted(self, at: int) -> bool:
        return any(a <= at < b for a, b in self.inside)

    def named(self, start: int, end: int) -> bool:
        return any(a < end and start < b for a, b in self.names)

    def last_person(self, before: int, gender: str | None, pronoun: bool = False) -> Speaker | None:
        """The person a pronoun, a description or a dropped subject before ``before``
        stands for: the last one named shortly before whose gender is not other than
        ``gender``; for a pronoun, the article's main person (named three times or more,
        and more often than anyone else) instead, when the last one is named once only and
        the main one fits too and was named within :data:`SALIENCE_REACH`."""
        fits = [
            (m, e)
            for m, e in self.speakers
            if m.start < before
            and e.type == "PERSON"
            and (gender is None or self.genders.get(e.key) in (gender, None))
        ]
        if not fits or before - fits[-1][0].end >= PRONOUN_REACH:
            return None
        last = fits[-1]
        if pronoun and last[1].count == 1:
            main = max(fits, key=lambda pair: pair[1].count)
            rivals = [e.count for _, e in fits if e.key != main[1].key]
            recent = [m for m, e in fits if e.key == main[1].key and before - m.end < SALIENCE_REACH]
            if main[1].count >= 3 and main[1].count > max(rivals, default=0) and recent:
                return recent[-1], main[1]
        return last


def _modifier(body: str, mention: Mention) -> bool:
    """A name inside a compound ("Fed-Vizechef", "Ex-Nato-Chef"): a modifier, no subject."""
    return body[mention.end : mention.end + 1] == "-" or body[mention.start - 1 : mention.start] == "-"


def _subject_after(between: str) -> bool:
    """Whether a name after a cue, with ``between`` between them, is the cue's subject: no
    clause boundary between them but at most one comma, right before the name (an
    apposition: "a déclaré le porte-parole du ministère, Lin Jian")."""
    if "," not in between:
        return True
    return between.count(",") == 1 and between.rstrip().endswith(",")


def _continued(context: _Context, previous: tuple[int, Speaker] | None, opened: int) -> Speaker | None:
    """The previous quotation's speaker, when this one follows it shortly with no other
    person or organisation named between them."""
    if previous is None:
        return None
    closed, speaker = previous
    if opened - closed > CONTINUATION:
        return None
    between = [e for m, e in context.speakers if closed < m.start < opened and e.key != speaker[1].key]
    return None if between else speaker
