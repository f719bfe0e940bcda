"""Direct quotations and their speakers.

Quotes are found in the text (straight and curly marks, partial quotes inside a sentence,
quotes running over several paragraphs), then attributed with the dependency parse:

- a cue verb (said, told, warned, stated, ...) next to the quote, whose subject is the
  speaker ("..., Johnson said", "He said, '...'", "Johnson warned of the '...' danger");
- "according to X";
- pronouns resolved to a person named shortly before of the pronoun's gender, the last one
  named as a sentence's subject first (he, she), or to the last organisation (it, they);
- a definite description by role ("the mayor said") resolved to the person named earlier
  whom the article gives that role ("Mayor Bill de Blasio"), else the last subject;
- a name that only modifies a description is no speaker ("the New York businessman"), nor
  a place or group that only modifies the speaker's words ("the influential US daily");
- documents as speakers ("the press release stated") resolved to their author where the
  article says whose it is ("the press release by the Kremlin");
- a paragraph that only continues a quote keeps the previous speaker, and the second part
  of a quotation its cue interrupts ("“...,” he said, “...”") is marked as its part;
- embedded social posts, a post's text followed by "- Name (@handle) date", go to Name;
- a quotation signed at the end of its line ("...” ― Name") goes to Name;
- in a transcript (two turns or more), a turn opening with its speaker's label in capitals
  ("PENCE: ...") is the label's, resolved to the person of the article it names, and so
  are the paragraphs that continue it and the quotations inside it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span, Token

from newsmon.models.enrichment import Entity, Mention, Quote
from newsmon.nlp.doctext import doc_text

CUE_LEMMAS = frozenset(
    """
    say tell stress warn add state note write tweet post explain insist claim declare
    announce argue comment remark reply respond ask acknowledge admit emphasise emphasize
    highlight describe urge suggest predict caution conclude recall confirm deny mention
    observe report accuse vow pledge promise threaten assert maintain draw agree welcome
    hail express reiterate underscore underline complain demand question quip joke
    call dub label brand term refer dismiss blast slam criticize criticise praise tout
    boast counter concede reveal recount testify shout yell chant read answer wonder
    proclaim lament mock cite caution vow thank apologize apologise acknowledge
    rule deem characterize characterise decry denounce compare put continue echo
    allege contend muse portray charge scold brag retort rail sing assure quote exclaim
    """.split()
)
DOCUMENT_NOUNS = frozenset(
    "statement release readout communique communiqué report document letter memo filing "
    "transcript post tweet message notice announcement".split()
)
# Nouns for what someone said, whose possessor is the speaker: "Trump's claim that “...”".
SPEECH_NOUNS = frozenset(
    """
    claim claims statement statements remark remarks comment comments words assertion
    assertions charge accusation accusations promise pledge warning warnings description
    argument contention insistence suggestion vow boast admission characterization
    characterisation plea tweet tweets message messages answer response reply
    """.split()
)
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her"})
_GROUP_PRONOUNS = frozenset({"it", "they", "them"})
# Nouns for a person by their role: "the senator said", "the Virginia Democrat said".
ROLE_NOUNS = frozenset(
    """
    president senator congressman congresswoman representative governor mayor minister
    secretary chancellor premier candidate nominee lawmaker legislator politician democrat
    republican conservative liberal independent spokesman spokeswoman spokesperson chairman
    chairwoman chair director executive ceo founder billionaire businessman businesswoman
    mogul tycoon lawyer attorney prosecutor judge official diplomat ambassador envoy general
    commander officer sheriff chief leader activist campaigner host anchor reporter
    journalist author writer actor actress singer star player coach manager striker
    defenceman defenseman goalkeeper rookie veteran captain winner champion teenager
    woman man mother father wife husband daughter son professor economist analyst scientist
    researcher doctor lady
    """.split()
)
_ROLE_GENDER = {
    "congresswoman": "f", "spokeswoman": "f", "chairwoman": "f", "businesswoman": "f",
    "actress": "f", "woman": "f", "mother": "f", "wife": "f", "daughter": "f",
    "congressman": "m", "spokesman": "m", "chairman": "m", "businessman": "m", "man": "m",
    "father": "m", "husband": "m", "son": "m",
}  # fmt: skip
_ROLE_TITLES = {"senator": ("sen.", "senator"), "representative": ("rep.", "representative")}
# How far back (characters) "he" or "she" looks for the person it stands for.
_PRONOUN_REACH = 1000
# And "the senator": a role is given once and referred to for longer.
_ROLE_REACH = 3000
# Opening marks and the marks that may close them: scraped copy mixes curly and straight
# marks within one quotation ("If I were managing ...? Absolutely,” Eric Woolson said).
_OPENERS = {"“": '”"', '"': '"”', "«": "»", "„": "“”"}
# Closing mark, a dash (horizontal bar, em or en dash), a name, the end of the line;
# spaces include no-break spaces ("― Jorge Falcon" in web copy).
_SIGNATURE_AFTER = re.compile(
    r"[”\"]?[^\S\n]*[―—–][^\S\n]*(?P<name>[^\W\d_][^\n―—–“”\"(@]{0,78}?)[^\S\n]*\.?[^\S\n]*(?:\n|$)"
)
# Between the parts of an interrupted quotation: its closing mark, a comma, the cue's few
# words (with commas: ", Tester said, referring to the excuse,"), a comma, the opening mark.
_INTERRUPTION = re.compile(r"[”\"][^\S\n]*,?[^“”\"\n.!?]{1,80},[^\S\n]*[“\"]$")
# After a quotation's content: its closing mark, a comma or none, spaces.
_AFTER_CLOSING = re.compile(r"[”\"]?[^\S\n]*,?[^\S\n]*")
# After a name: an apposition between commas (", a top Trump surrogate,") or none, then a word.
_APPOSITION_THEN_WORD = re.compile(r"(?:,[^,“”\"\n]{1,100},)?[^\S\n]+(?P<verb>[a-z]+)\b")
_MAX_NAME_WORDS = 6
_CLAUSE_OPENERS = frozenset({"when", "whenever", "while", "after", "before", "because", "since", "until"})
_TITLE_SMALL_WORDS = frozenset({"a", "an", "and", "at", "by", "for", "in", "of", "on", "the", "to", "with"})
# How far a title or description before a speaker's name may reach ("Tulsa police Chief").
_DESCRIPTION_CHARS = 60
_NAME_PARTICLES = frozenset(
    {"al", "bin", "da", "de", "del", "der", "di", "du", "la", "le", "van", "von", "y"}
)
_POST_SIGNATURE = re.compile(
    r"^[—–-]\s*(?P<name>[^\n(@]{2,80}?)\s*\((?P<handle>@\w{1,30})\)\s*(?P<date>[^\n]{0,40})$",
    re.MULTILINE,
)
_DOCUMENT_AUTHOR = re.compile(
    r"\b(?P<noun>press release|statement|readout|communiqu[eé]|report|letter)"
    r"\s+(?:by|from|of|issued by)\s+",
    re.IGNORECASE,
)
MIN_QUOTE_WORDS = 2
# A transcript turn's label: a speaker's name or title and name in capitals, a colon.
_TURN_LABEL = re.compile(r"(?P<label>[A-Z][A-Z'’.\-]*(?: [A-Z][A-Z'’.\-]*){0,3}):[^\S\n]+")


@dataclass(frozen=True)
class QuoteSpan:
    """The content of a quotation (without its marks) and whether it opens a paragraph."""

    start: int
    end: int
    continues_previous: bool = False
    open_ended: bool = False
    # A transcript's turn: it opens its paragraph with a speaker's label ("PENCE: ...").
    turn: bool = False


def find_quote_spans(text: str) -> list[QuoteSpan]:
    """Quotation contents in ``text``, in order; offsets exclude the quotation marks."""
    spans: list[QuoteSpan] = []
    paragraphs = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
    # Two paragraphs or more opening with a label make a transcript, one does not
    # ("“BREAKING: ...”" in a quoted post).
    transcript = (
        sum(text[p] in _OPENERS and _label_at(text, p + 1, q) is not None for p, q in paragraphs) >= 2
    )
    open_across = False
    for p_start, p_end in paragraphs:
        i = p_start
        while i < p_end:
            char = text[i]
            closers = _OPENERS.get(char)
            if closers is None or (char == '"' and i > p_start and text[i - 1].isalnum()):
                i += 1
                continue
            end = _first_of(text, char, i + 1, p_end)
            starts_paragraph = i == p_start
            turn = transcript and starts_paragraph and _label_at(text, i + 1, p_end) is not None
            if end == -1 and char == '"' and "“" in text[i + 1 : p_end] and not turn:
                # An excerpt's straight mark left open over curly quotations: those are the quotes.
                i += 1
                continue
            if end == -1:
                # News style: a quote running over paragraphs leaves each one unclosed.
                if starts_paragraph or char != '"':
                    spans.append(
                        QuoteSpan(i + 1, p_end, open_across and starts_paragraph, open_ended=True, turn=turn)
                    )
                    open_across = True
                if turn:
                    # A transcript's turn: the quotations the speaker quotes in it too.
                    nested = find_quote_spans(text[i + 1 : p_end])
                    spans += [QuoteSpan(i + 1 + n.start, i + 1 + n.end) for n in nested if not n.open_ended]
                break
            spans.append(QuoteSpan(i + 1, end, open_across and starts_paragraph, turn=turn))
            open_across = False
            i = end + 1
        else:
            open_across = False
    return [s for s in spans if _is_quotation(text[s.start : s.end])]


def _first_of(text: str, opener: str, start: int, end: int) -> int:
    """Where the first mark closing ``opener`` stands in ``text[start:end]``, or -1. A mark
    of the other kind (curly after a straight opening mark, straight after a curly one)
    closes only where it cannot belong to a quotation nested inside: not a curly closing
    mark after a curly opening one ('"... comes across as “too loud” or “too shrill.”"'),
    not a straight mark before a word ('“He said "no" to me”')."""
    found = []
    for mark in _OPENERS[opener]:
        at = text.find(mark, start, end)
        other_kind = (mark == '"') != (opener == '"')
        if other_kind and mark == "”" and "“" in text[start : max(start, at)]:
            continue
        while other_kind and mark == '"' and at != -1 and at + 1 < end and text[at + 1].isalnum():
            partner = text.find(mark, at + 1, end)  # the nested quotation's own closing mark
            at = text.find(mark, partner + 1, end) if partner != -1 else -1
        if at != -1:
            found.append(at)
    return min(found, default=-1)


def _is_quotation(content: str) -> bool:
    """Two words or more, or one word in lower case: a scare quote ("called it a “disgrace”")
    is the speaker's word, while one capitalised word is mostly a name or title (“Cia”)."""
    words = content.split()
    return len(words) >= MIN_QUOTE_WORDS or (len(words) == 1 and words[0][0].islower())


def extract_quotes(doc: Doc, entities: list[Entity]) -> list[Quote]:
    """Quotes of ``doc`` with their speakers linked to ``entities`` (canonical)."""
    index = _EntityIndex(entities)
    quotes: list[Quote] = []
    post_spans = _social_posts(doc, index)
    taken = [(q.start, q.end) for q in post_spans]
    spans = [s for s in find_quote_spans(doc_text(doc)) if not any(a <= s.start < b for a, b in taken)]
    attributed = [_attribute(doc, span, index) for span in spans]
    _transcript_turns(doc, spans, attributed, index)
    # A quote running over paragraphs is attributed once, usually after its last part:
    # an unclosed paragraph takes the speaker of its continuation, else of what it continues.
    for i in reversed(range(len(spans))):
        if (
            attributed[i].speaker_mention is None
            and spans[i].open_ended
            and i + 1 < len(spans)
            and spans[i + 1].continues_previous
            and attributed[i + 1].speaker_mention is not None
        ):
            attributed[i] = _same_speaker(attributed[i], attributed[i + 1])
    for i in range(1, len(spans)):
        if attributed[i].speaker_mention is None and spans[i].continues_previous:
            attributed[i] = _same_speaker(attributed[i], attributed[i - 1])
    # A full-sentence quote with no attribution at all usually continues the last
    # speaker, or comes from the person the paragraph just named.
    for i, quote in enumerate(attributed):
        if quote.speaker_mention is not None or quote.kind != "quote" or _looks_like_a_title(quote.text):
            continue
        earlier = next(
            (
                q
                for q in reversed(attributed[:i])
                if q.speaker_mention is not None and quote.start - q.end < 800
            ),
            None,
        )
        if earlier is not None:
            attributed[i] = _same_speaker(quote, earlier)
            continue
        named = index.last_before(quote.start, ("PERSON",))
        if named is not None and quote.start - named[1].end < 400:
            entity, mention = named
            attributed[i] = quote.model_copy(
                update={
                    "speaker": entity.canonical,
                    "speaker_key": entity.key,
                    "speaker_mention": Mention(
                        text=doc_text(doc)[mention.start : mention.end], start=mention.start, end=mention.end
                    ),
                }
            )
    _join_interrupted(doc, spans, attributed)
    quotes.extend(q for q in attributed if _said(q))
    return sorted([*quotes, *post_spans], key=lambda q: q.start)


def _transcript_turns(doc: Doc, spans: list[QuoteSpan], attributed: list[Quote], index: _EntityIndex) -> None:
    """A transcript's turns (``QuoteSpan.turn``: two quotations or more open their
    paragraphs with a label in capitals, "WALLACE: Let's start ...", "SEN. JOHN MCCAIN:
    ..."): a turn's speaker is the label, the person of the article it names (by full name
    or surname, titles aside), else the label itself; the quote is what follows the label.
    Paragraphs that continue the turn (before the next label) and quotations inside it are
    its speaker's too, whatever their own words name."""
    text = doc_text(doc)
    turn: Quote | None = None
    for i, span in enumerate(spans):
        if turn is not None and turn.start <= span.start < turn.end:
            # Words the speaker quotes in the turn: the speaker's, by their own cue if any.
            attributed[i] = _same_speaker(attributed[i], turn).model_copy(update={"cue": attributed[i].cue})
            continue
        label = _label_at(text, span.start, span.end) if span.turn else None
        if label is not None:
            start = label.end()
            who = _labelled_person(label["label"], index)
            turn = attributed[i] = Quote(
                text=text[start : span.end],
                start=start,
                end=span.end,
                speaker=who.canonical if who else label["label"].title(),
                speaker_key=who.key if who else None,
                speaker_mention=Mention(
                    text=label["label"], start=label.start("label"), end=label.end("label")
                ),
                kind="quote",
            )
        elif turn is not None and span.continues_previous:
            attributed[i] = _same_speaker(attributed[i], turn)
        else:
            turn = None


def _label_at(text: str, start: int, end: int) -> re.Match[str] | None:
    """A transcript turn's label at ``start`` (two letters or more: not "Q:")."""
    label = _TURN_LABEL.match(text, start, end)
    return label if label is not None and sum(c.isalpha() for c in label["label"]) >= 2 else None


def _labelled_person(label: str, index: _EntityIndex) -> Entity | None:
    """The person a transcript label names: one whose full name it holds ("SEN. JOHN
    MCCAIN"), else the one person with its last word as surname ("PENCE")."""
    from newsmon.nlp.names import HONORIFICS

    words = [w for w in label.split() if w.casefold() not in HONORIFICS and not w.endswith(".")]
    if not words:
        return None
    wanted = " ".join(words).casefold()
    for _, _, entity in index.mentions:
        if entity.type == "PERSON" and entity.canonical.casefold() == wanted:
            return entity
    return index.person_by_surname(words[-1].title())


def _said(quote: Quote) -> bool:
    """Quotation marks with neither a cue nor anyone to say them hold no quote: scare quotes
    ("the “elites” in this country"). Names of shows, laws and slogans (“show, “The
    Apprentice.””) need both: a speaker the sentence around them offers is not enough."""
    if _looks_like_a_title(quote.text):
        return quote.cue is not None and quote.speaker_mention is not None
    return quote.cue is not None or quote.speaker_mention is not None


def _join_interrupted(doc: Doc, spans: list[QuoteSpan], attributed: list[Quote]) -> None:
    """One quotation interrupted by its cue ("“...,” he said, “...”") is one attribution: the
    second part takes the speaker the cue between them gives and says whose part it is."""
    text = doc_text(doc)
    for i in range(1, len(spans)):
        gap_start, gap_end = spans[i - 1].end, spans[i].start
        if not _INTERRUPTION.match(text, gap_start, gap_end) or "\n" in text[gap_start:gap_end]:
            continue
        between = doc.char_span(gap_start, gap_end, alignment_mode="contract")
        if between is None or not any(t.lemma_.casefold() in CUE_LEMMAS for t in between):
            continue
        first, second = attributed[i - 1], attributed[i]
        if first.speaker_mention is None and second.speaker_mention is not None:
            first = attributed[i - 1] = _same_speaker(first, second)
        elif second.speaker_mention is None:
            second = _same_speaker(second, first)
        elif first.speaker_key != second.speaker_key:
            continue  # two speakers: two quotations after all
        attributed[i] = second.model_copy(update={"part_of": first.part_of or first.start})


def _same_speaker(quote: Quote, source: Quote) -> Quote:
    return quote.model_copy(
        update={
            "speaker": source.speaker,
            "speaker_key": source.speaker_key,
            "speaker_mention": source.speaker_mention,
            "cue": source.cue,
        }
    )


class _EntityIndex:
    """Which canonical entity covers a character span, and who was named last before a point."""

    def __init__(self, entities: list[Entity]) -> None:
        self.mentions = sorted(
            ((m.start, m.end, e) for e in entities for m in e.mentions), key=lambda item: item[0]
        )
        self._genders: dict[str, str | None] = {}
        self._subjects: dict[tuple[int, int], bool] = {}

    def gender(self, doc: Doc, entity: Entity) -> str | None:
        """``_gender`` of the entity, worked out once per article."""
        if entity.key not in self._genders:
            self._genders[entity.key] = _gender(doc, entity)
        return self._genders[entity.key]

    def a_subject(self, doc: Doc, start: int, end: int) -> bool:
        """``_a_subject`` of the mention, worked out once per article."""
        if (start, end) not in self._subjects:
            self._subjects[(start, end)] = _a_subject(doc, start, end)
        return self._subjects[(start, end)]

    def covering(self, start: int, end: int) -> Entity | None:
        best: Entity | None = None
        for m_start, m_end, entity in self.mentions:
            overlaps = m_start < end and start < m_end
            if (
                overlaps
                and entity.type in ("PERSON", "ORG", "NORP", "GPE")
                and (best is None or entity.type in ("PERSON", "ORG"))
            ):
                best = entity
        return best

    def mention_at(self, position: int) -> tuple[Entity, int] | None:
        """The entity of the mention starting at ``position``, and where that mention ends."""
        for m_start, m_end, entity in self.mentions:
            if m_start == position:
                return entity, m_end
        return None

    def mentions_between(self, start: int, end: int) -> list[tuple[int, int, Entity]]:
        """Mentions starting in ``[start, end)``, in order."""
        return [m for m in self.mentions if start <= m[0] < end]

    def first_after(self, position: int, within: int) -> Entity | None:
        for m_start, _, entity in self.mentions:
            if position <= m_start <= position + within:
                return entity
        return None

    def person_by_surname(self, word: str) -> Entity | None:
        """The one person of the article whose full name ends with ``word``."""
        found = {
            entity.key: entity
            for _, _, entity in self.mentions
            if entity.type == "PERSON"
            and len(entity.canonical.split()) >= 2
            and entity.canonical.split()[-1].replace("’", "'") == word.replace("’", "'")
        }
        return next(iter(found.values())) if len(found) == 1 else None

    def holding(self, position: int) -> Entity | None:
        """The entity with a mention over character ``position``."""
        for m_start, m_end, entity in self.mentions:
            if m_start <= position < m_end:
                return entity
        return None

    def person_for_pronoun(self, doc: Doc, position: int, pronoun: str) -> tuple[Entity, Mention] | None:
        """Who "he" or "she" at ``position`` stands for: among the people named shortly
        before whose gender (given name, honorific) is not other than the pronoun's, the last
        one named as the subject of a sentence, else the last one named."""
        gender = "f" if pronoun in ("she", "her") else "m"
        fits = self._people_before(doc, position, _PRONOUN_REACH, gender)
        return self._last_subject(doc, fits)

    def person_for_role(self, doc: Doc, position: int, role: str) -> tuple[Entity, Mention] | None:
        """Who "the senator" at ``position`` is: among the people named shortly before (of the
        role's gender where it has one), the last one the article gives that role ("Sen.
        Smith", "Smith, the senator"), else as for a pronoun."""
        text = doc_text(doc)
        words = _ROLE_TITLES.get(role, (role,))
        fits = self._people_before(doc, position, _ROLE_REACH, _ROLE_GENDER.get(role))
        pattern = re.compile(
            r"(?<![\w.])(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
        )
        given = {
            entity.key
            for m_start, m_end, entity in fits
            for match in pattern.finditer(text, max(0, m_start - 40), m_end + 40)
            if abs(match.start() - position) > 40  # the role's own mention gives it nobody
        }
        titled = [f for f in fits if f[2].key in given]
        if titled:
            m_start, m_end, entity = titled[-1]
            return entity, Mention(text=entity.canonical, start=m_start, end=m_end)
        return self._last_subject(doc, fits)

    def _people_before(
        self, doc: Doc, position: int, reach: int, gender: str | None
    ) -> list[tuple[int, int, Entity]]:
        """Mentions of people ending within ``reach`` characters before ``position`` whose
        gender is not other than ``gender`` (any, when None)."""
        return [
            (m_start, m_end, entity)
            for m_start, m_end, entity in self.mentions
            if m_end <= position
            and position - m_end < reach
            and entity.type == "PERSON"
            and (gender is None or self.gender(doc, entity) in (gender, None))
        ]

    def _last_subject(self, doc: Doc, fits: list[tuple[int, int, Entity]]) -> tuple[Entity, Mention] | None:
        """The last of ``fits`` named as a subject, else the last one."""
        if not fits:
            return None
        subjects = [f for f in fits if self.a_subject(doc, f[0], f[1])]
        m_start, m_end, entity = (subjects or fits)[-1]
        return entity, Mention(text=entity.canonical, start=m_start, end=m_end)

    def last_before(self, position: int, types: tuple[str, ...]) -> tuple[Entity, Mention] | None:
        found = None
        for m_start, m_end, entity in self.mentions:
            if m_end <= position and entity.type in types:
                found = (entity, Mention(text=entity.canonical, start=m_start, end=m_end))
        return found


def _gender(doc: Doc, entity: Entity) -> str | None:
    """A person's gender: an honorific before or in a mention ("Mrs. Clinton"), else the
    given name's (``configs/given_names.tsv``)."""
    from newsmon.nlp.names import HONORIFICS, shared_given_names

    text = doc_text(doc)
    for mention in entity.mentions:
        words = [*text[max(0, mention.start - 6) : mention.start].split()[-1:], *mention.text.split()[:1]]
        for word in words:
            if HONORIFICS.get(word.casefold()):
                return HONORIFICS[word.casefold()]
    first = entity.canonical.split()[0] if len(entity.canonical.split()) >= 2 else None
    gender = shared_given_names().gender(first) if first else None
    return gender if gender in ("m", "f") else None


def _a_subject(doc: Doc, start: int, end: int) -> bool:
    """Whether the mention at ``start:end`` is the subject of its clause."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and any(t.dep_ in ("nsubj", "nsubjpass") for t in span)


def _attribute(doc: Doc, span: QuoteSpan, index: _EntityIndex) -> Quote:
    text = doc_text(doc)[span.start : span.end]
    signed = _signature_after(doc, span, index)
    if signed is not None:
        return Quote(text=text, start=span.start, end=span.end, cue="signed", kind="quote", **signed)
    kind = "quote"
    sentences = _sentences_around(doc, span)
    if sentences and _is_partial(doc, span, sentences):
        kind = "partial"
    speaker: Entity | None = None
    mention: Mention | None = None
    cue: str | None = None
    subject: Token | None = None
    inverted = _named_right_after(doc, span, index)
    if inverted is not None:
        speaker, mention, cue = inverted
    else:
        cue, subject = (
            _cue_right_after(doc, span)
            or _governing_cue(doc, span, index)
            or _cue_and_subject(doc, span, sentences, index)
        )
    if subject is not None:
        speaker, mention = _resolve_speaker(doc, subject, span, index)
    if mention is None:
        according = _according_to(doc, span, sentences, index)
        if according is not None:
            speaker, mention, cue = according[0], according[1], "according to"
    if mention is None and kind != "partial":
        introduced = _introduced_before(doc, span, index)
        if introduced is not None:
            (speaker, mention), cue = introduced
    if mention is None:
        # No cue: the sentence's own subject ("Clinton's 'Miss Piggy' remark"), or whoever
        # the quote is attached to by a possessive ("Trump's 'thousands of shootings'").
        fallback = _possessive_before(doc, span, index) or _sentence_subject(doc, span, sentences, index)
        if fallback is not None:
            speaker, mention = fallback
    if speaker is not None and mention is not None and not _heads(speaker, mention, doc):
        speaker = None
    return Quote(
        text=text,
        start=span.start,
        end=span.end,
        speaker=speaker.canonical if speaker else None,
        speaker_key=speaker.key if speaker else None,
        speaker_mention=mention,
        cue=cue,
        kind=kind,
    )


def _heads(speaker: Entity, mention: Mention, doc: Doc) -> bool:
    """Whether a place or group speaker is what the speaker's words name, not a modifier in
    them: "Russia said" and "Democrats said" are theirs, "the influential US daily" and
    "European officials" are not the US's or Europe's. People and bodies always are."""
    if speaker.type in ("PERSON", "ORG"):
        return True
    words = doc_text(doc)[mention.start : mention.end].rstrip(" ,.;:")
    last = mention.start + len(words) - 1
    return any(m.start <= last < m.end for m in speaker.mentions)


def _named_right_after(doc: Doc, span: QuoteSpan, index: _EntityIndex) -> tuple[Entity, Mention, str] | None:
    """The wire pattern ``“...,” Flynn, a top Trump surrogate, said``: a person or body named
    right after the closing mark, or a person after a title or description ("Tulsa police
    Chief Chuck Jordan said"), an optional apposition, then a cue verb.

    Read from the text rather than the parse, which often hangs the name on a noun inside
    the quote and takes the subject from a quoted show title after the verb.
    """
    text = doc_text(doc)
    match = _AFTER_CLOSING.match(text, span.end)
    if match is None:
        return None
    start = match.end()
    for entity, m_start, m_end in _names_after(doc, start, index):
        verb_match = _APPOSITION_THEN_WORD.match(text, m_end)
        if verb_match is None:
            continue
        verb = doc.char_span(*verb_match.span("verb"))
        if verb is None or not _is_cue(verb.root):
            continue
        return entity, Mention(text=text[m_start:m_end], start=m_start, end=m_end), verb.text
    return None


def _cue_right_after(doc: Doc, span: QuoteSpan) -> tuple[str, Token] | None:
    """The cue of ``“...,” the union wrote`` / ``“...?” he asks``: the first verb after the
    closing mark is a cue and its subject stands between them, whoever it names."""
    text = doc_text(doc)
    match = _AFTER_CLOSING.match(text, span.end)
    if match is None or not text.startswith(("”", '"'), span.end):
        return None
    end = min(len(text), match.end() + _DESCRIPTION_CHARS)
    after = doc.char_span(match.end(), end, alignment_mode="contract")
    if after is None:
        return None
    content = text[span.start : span.end].rstrip()
    # Only where the sentence goes on: “...,” or “...?” in lower case (“...?” She adds, is
    # a sentence of its own, about what follows).
    if not (content.endswith(",") or (content.endswith(("?", "!")) and after.text[:1].islower())):
        return None
    for token in after:
        if _a_verb_or_break(token) or token.pos_ == "VERB":
            subject = _subject_of(token, span) if _is_cue(token) else None
            if subject is not None and after.start <= subject.i < token.i:
                return _cue_text(token), subject
            return None
    return None


def _names_after(doc: Doc, start: int, index: _EntityIndex) -> Iterator[tuple[Entity, int, int]]:
    """Who may be named first after ``start``: the person or body whose mention starts
    there, then people whose names end a description without a verb, comma or possessive
    ("Tulsa police Chief", "Retired Lt. Gen.", "Trump spokesman")."""
    text = doc_text(doc)
    named = index.mention_at(start)
    if named is not None and named[0].type in ("PERSON", "ORG"):
        yield named[0], start, named[1]
    for m_start, m_end, entity in index.mentions_between(start + 1, start + _DESCRIPTION_CHARS):
        if entity.type != "PERSON" or text.startswith(("'s", "’s"), m_end):
            continue
        before = doc.char_span(start, m_start, alignment_mode="expand")
        if before is None or any(_a_verb_or_break(t) for t in before):
            return
        yield entity, m_start, m_end
        return


def _a_verb_or_break(token: Token) -> bool:
    """A lower-case verb (capitalised words of a title are often tagged verbs: "Tulsa"), a
    word that opens a clause of its own ("when Clinton blasted him"), or punctuation that
    ends a description."""
    if token.is_lower and (token.pos_ in ("VERB", "AUX", "SCONJ") or token.tag_ == "WRB"):
        return True
    return token.text in ',;:“”"' or token.is_space


def _signature_after(doc: Doc, span: QuoteSpan, index: _EntityIndex) -> dict[str, Any] | None:
    """The speaker of a quotation signed at the end of its line ("...” ― Krystal Correa"),
    as in readers' comments, roundups and epigraphs; None when it is not signed."""
    match = _SIGNATURE_AFTER.match(doc_text(doc), span.end)
    if match is None or not _looks_like_a_name(match.group("name")):
        return None
    start, end = match.span("name")
    entity = index.covering(start, end)
    return {
        "speaker": entity.canonical if entity else match.group("name"),
        "speaker_key": entity.key if entity else None,
        "speaker_mention": Mention(text=match.group("name"), start=start, end=end),
    }


def _looks_like_a_name(text: str) -> bool:
    """Capitalised words (name particles aside): "Karen Bobadilla", "Osama bin Laden";
    not a clause after a dash ("— and they did")."""
    return _capitalised_words(text.split(), _NAME_PARTICLES)


def _capitalised_words(words: list[str], small: frozenset[str], symbols: bool = False) -> bool:
    """A few words (a name's length at most), each capitalised but for ``small`` ones (and,
    with ``symbols``, words that do not start with a letter: "Commander-in-Chief Forum")."""
    return 0 < len(words) <= _MAX_NAME_WORDS and all(
        word[0].isupper() or word in small or (symbols and not word[0].isalpha()) for word in words
    )


def _sentences_around(doc: Doc, span: QuoteSpan) -> list[Span]:
    """Sentences overlapping the quote, plus the next one when the quote ends a sentence."""
    sentences, starts = _sentence_index(doc)
    first = max(0, bisect_right(starts, span.start) - 1)
    chosen = []
    for sentence in sentences[first:]:
        if sentence.start_char >= span.end:
            break
        if span.start < sentence.end_char:
            chosen.append(sentence)
    if chosen:
        position = sentences.index(chosen[-1], first)
        tail = doc_text(doc)[span.end : chosen[-1].end_char]
        if position + 1 < len(sentences) and tail.strip(' ”"’.,?!') == "" and "\n" not in tail:
            chosen.append(sentences[position + 1])
    return chosen


def _sentence_index(doc: Doc) -> tuple[list[Span], list[int]]:
    """The doc's sentences and their start offsets, computed once per doc."""
    cached = doc.user_data.get("newsmon.sentences")
    if cached is None:
        sentences = list(doc.sents)
        cached = (sentences, [s.start_char for s in sentences])
        doc.user_data["newsmon.sentences"] = cached
    return cached


def _noun_chunk_of(token: Token) -> Span | None:
    doc = token.doc
    chunks = doc.user_data.get("newsmon.chunks")
    if chunks is None:
        chunks = {}
        for chunk in doc.noun_chunks:
            for i in range(chunk.start, chunk.end):
                chunks[i] = chunk
        doc.user_data["newsmon.chunks"] = chunks
    return chunks.get(token.i)


def _is_partial(doc: Doc, span: QuoteSpan, sentences: list[Span]) -> bool:
    before = doc_text(doc)[sentences[0].start_char : max(sentences[0].start_char, span.start - 1)]
    return bool(before.strip()) and not before.rstrip().endswith((",", ":"))


def _outside(token: Token, span: QuoteSpan) -> bool:
    return not (span.start - 1 <= token.idx < span.end + 1)


def _governing_cue(doc: Doc, span: QuoteSpan, index: _EntityIndex) -> tuple[str, Token] | None:
    """The cue the quotation hangs from in the parse, and its subject, when that subject
    names someone: "Flynn said Trump was “absolutely right” when he said..." is Flynn's
    (the nearer "he said" only stands beside it), "Donald Trump's claim that there have
    been “thousands of shootings”" is Trump's."""
    inside = doc.char_span(span.start, span.end, alignment_mode="contract")
    if inside is None or len(inside) == 0:
        return None
    found: tuple[str, Token] | None = None
    for ancestor in inside.root.ancestors:
        if not _outside(ancestor, span):
            continue
        if _is_cue(ancestor):
            subject = _subject_of(ancestor, span)
            if subject is None or not _names_someone(doc, subject, span, index):
                break
            if subject.lower_ not in _GROUP_PRONOUNS:
                return _cue_text(ancestor), subject
            # "She says it underscores that Trump is “unfit”": hers, if an outer cue says so.
            found = found or (_cue_text(ancestor), subject)
        elif ancestor.pos_ == "NOUN" and ancestor.lower_ in SPEECH_NOUNS:
            owner = next((c for c in ancestor.children if c.dep_ == "poss"), None)
            if owner is not None and _names_someone(doc, owner, span, index):
                return found or (ancestor.text, owner)
            break
    return found


def _cue_and_subject(
    doc: Doc, span: QuoteSpan, sentences: list[Span], index: _EntityIndex
) -> tuple[str | None, Token | None]:
    candidates: list[tuple[int, Token, Token | None]] = []
    for sentence in sentences:
        for token in sentence:
            if not _is_cue(token) or not _outside(token, span) or _in_a_clause_of_time(token):
                continue
            distance = min(abs(token.idx - span.start), abs(token.idx - span.end))
            subject = _subject_of(token, span)
            if subject is None or not _names_someone(doc, subject, span, index):
                subject = _name_just_before(doc, token, span, index) or subject
            candidates.append((distance, token, subject))
    candidates.sort(key=lambda c: c[0])
    # Prefer the nearest cue whose subject names someone; else the nearest cue at all.
    for _, token, subject in candidates:
        if subject is not None and _names_someone(doc, subject, span, index):
            return _cue_text(token), subject
    for _, token, subject in candidates:
        if subject is not None:
            return _cue_text(token), subject
    return (_cue_text(candidates[0][1]), None) if candidates else (None, None)


def _in_a_clause_of_time(verb: Token) -> bool:
    """A cue verb in a clause of time or cause beside the quote ("“That makes me smart,”
    when Clinton blasted him"; "When Clinton noted that..., Trump boasted, “...”"): it
    says what prompted the quotation, not who said it."""
    return verb.dep_ == "advcl" and any(
        child.dep_ in ("mark", "advmod") and child.lower_ in _CLAUSE_OPENERS for child in verb.children
    )


def _introduced_before(
    doc: Doc, span: QuoteSpan, index: _EntityIndex
) -> tuple[tuple[Entity | None, Mention | None], str] | None:
    """A quotation introduced by a colon in its own sentence ("McConnell delivered a blunt
    message: “...”"), or opening its sentence right after a sentence with a cue whose
    subject names someone, in the same paragraph ("..., digital consultant Phil Musser
    says. “Several surveys...") or ending the paragraph before ("Jared Potts echoed:")."""
    sentences, starts = _sentence_index(doc)
    at = bisect_right(starts, span.start) - 1
    if at < 1:
        return None
    text = doc_text(doc)
    own = sentences[at]
    lead = text[own.start_char : span.start].strip(' “"')
    if lead.endswith(":"):
        # "McConnell delivered a blunt message to Trump: “It's time to...”"
        verbs = [t for t in own if t.idx < span.start and t.pos_ in ("VERB", "AUX")]
        return _first_named_subject(doc, reversed(verbs), span, index)
    if lead != "":
        return None
    said = sentences[at - 1]
    if any(mark in said.text for mark in '“”"'):
        return None  # a quotation of its own: the earlier quotation's speaker carries on
    return _first_named_subject(doc, (t for t in said if _is_cue(t)), span, index)


def _first_named_subject(
    doc: Doc, verbs: Iterable[Token], span: QuoteSpan, index: _EntityIndex
) -> tuple[tuple[Entity | None, Mention | None], str] | None:
    """The speaker and cue of the first of ``verbs`` whose subject names someone."""
    for verb in verbs:
        subject = _subject_of(verb, span)
        if subject is not None and _names_someone(doc, subject, span, index):
            return _resolve_speaker(doc, subject, span, index), _cue_text(verb)
    return None


def _is_cue(token: Token) -> bool:
    """A verb of saying ("said", "told", "insisted")."""
    return token.pos_ in ("VERB", "AUX") and token.lemma_.casefold() in CUE_LEMMAS


def _name_just_before(doc: Doc, verb: Token, span: QuoteSpan, index: _EntityIndex) -> Token | None:
    """The last word of a person's or body's name standing right before a cue the parse gave
    no subject ("In March, Trump blasted Disney": "blasted" taken for an adjective)."""
    if verb.i == 0:
        return None
    previous = doc[verb.i - 1]
    holder = index.holding(previous.idx)
    if holder is None or holder.type not in ("PERSON", "ORG") or not _outside(previous, span):
        return None
    return previous


def _cue_text(token: Token) -> str:
    particle = next((c for c in token.children if c.dep_ == "prt"), None)
    return f"{token.text} {particle.text}" if particle is not None else token.text


def _subject_of(verb: Token, span: QuoteSpan) -> Token | None:
    current: Token | None = verb
    for _ in range(3):
        if current is None:
            return None
        for child in current.children:
            if child.dep_ in ("nsubj", "nsubjpass") and _outside(child, span):
                return child
        # "Putin highlighted ... and drew attention to": a conjoined verb shares the subject.
        current = (
            current.head
            if current.dep_ in ("conj", "xcomp", "advcl") and current.head is not current
            else None
        )
    return None


def _names_someone(doc: Doc, subject: Token, span: QuoteSpan, index: _EntityIndex) -> bool:
    start, end = _subject_extent(subject, span)
    if index.covering(start, end) is not None:
        return True
    lowered = subject.text.casefold()
    if lowered in _PERSON_PRONOUNS | _GROUP_PRONOUNS or lowered in DOCUMENT_NOUNS or _a_role(subject):
        return True
    antecedent = _antecedent(subject)
    return antecedent is not None and _names_someone(doc, antecedent, span, index)


def _antecedent(subject: Token) -> Token | None:
    """What a relative pronoun subject stands for: "Rubio, who mused that..." -> Rubio."""
    if subject.lower_ == "who" and subject.head.dep_ == "relcl" and subject.head.head is not subject.head:
        return subject.head.head
    return None


def _a_role(subject: Token) -> bool:
    """A definite description of a person by their role: "the senator", "the 34-year-old
    mother of three", "the Virginia Democrat" (not "a spokesman", not "his lawyer")."""
    return (
        subject.pos_ in ("NOUN", "PROPN")
        and subject.tag_ in ("NN", "NNP")
        and subject.text.casefold() in ROLE_NOUNS
        and any(c.dep_ == "det" and c.lower_ == "the" for c in subject.children)
    )


def _subject_extent(subject: Token, span: QuoteSpan) -> tuple[int, int]:
    """Characters of the subject's noun phrase ("the press release", "Kremlin spokesman Dmitry Peskov")."""
    chunk = _noun_chunk_of(subject)
    if chunk is not None and all(_outside(t, span) for t in chunk):
        tokens = [t for t in chunk if not t.is_space]
    else:
        tokens = [subject] + [
            t for t in subject.children if t.dep_ in ("compound", "det", "amod", "poss") and _outside(t, span)
        ]
    tokens = [t for t in tokens if not t.is_space] or [subject]
    first = min(tokens, key=lambda t: t.i)
    last = max(tokens, key=lambda t: t.i)
    return first.idx, last.idx + len(last.text)


def _resolve_speaker(
    doc: Doc, subject: Token, span: QuoteSpan, index: _EntityIndex
) -> tuple[Entity | None, Mention | None]:
    start, end = _subject_extent(subject, span)
    mention = Mention(text=doc_text(doc)[start:end], start=start, end=end)
    entity = _named_by(subject, start, end, index)
    if entity is not None:
        return entity, mention
    lowered = subject.text.casefold()
    if lowered in _PERSON_PRONOUNS:
        found = index.person_for_pronoun(doc, start, lowered)
        return (found[0] if found else None), mention
    if lowered in _GROUP_PRONOUNS:
        found = index.last_before(start, ("ORG",))
        return (found[0] if found else None), mention
    if _a_role(subject):
        found = index.person_for_role(doc, start, lowered)
        return (found[0] if found else None), mention
    if lowered in DOCUMENT_NOUNS:
        return _document_author(doc, start, index), mention
    antecedent = _antecedent(subject)
    if antecedent is not None:
        return _resolve_speaker(doc, antecedent, span, index)[0], mention
    return None, mention


def _named_by(subject: Token, start: int, end: int, index: _EntityIndex) -> Entity | None:
    """The entity the subject names: the one whose mention holds the subject's head word or
    its apposition ("His former business partner, Lawrence B. Cummings"). A name that only
    modifies a description names nobody: "the New York businessman", "Obama's former
    campaign strategist", "European officials"."""
    entity = index.covering(start, end)
    if entity is None:
        # A surname the model did not take for a name ("Tanner said"): the article's one
        # person of that surname.
        return index.person_by_surname(subject.text) if subject.pos_ == "PROPN" else None
    for token in (subject, *(c for c in subject.children if c.dep_ == "appos")):
        holder = index.holding(token.idx)
        if holder is not None and holder.type in ("PERSON", "ORG", "GPE", "NORP"):
            return holder
    return None


def _document_author(doc: Doc, position: int, index: _EntityIndex) -> Entity | None:
    """Whose document it is: "the press release by the Kremlin" earlier in the article."""
    author: Entity | None = None
    for match in _DOCUMENT_AUTHOR.finditer(doc_text(doc), 0, position):
        entity = index.first_after(match.end(), within=20)
        if entity is not None and entity.type in ("ORG", "PERSON", "GPE"):
            author = entity
    return author


def _possessive_before(doc: Doc, span: QuoteSpan, index: _EntityIndex) -> tuple[Entity, Mention] | None:
    window = doc_text(doc)[max(0, span.start - 60) : span.start]
    match = re.search(r"([A-Z][\w.-]*(?:\s+[A-Z][\w.-]*)*)['’]s?\s+(?:\w+\s+){0,2}[“\"]$", window)
    if match is None:
        return None
    start = span.start - len(window) + match.start(1)
    end = start + len(match.group(1))
    entity = index.covering(start, end)
    if entity is None or entity.type not in ("PERSON", "ORG"):
        return None
    if entity.type == "ORG" and _looks_like_a_title(doc_text(doc)[span.start : span.end]):
        return None  # an organisation's programme or publication: Fox News's “Fox and Friends”
    return entity, Mention(text=doc_text(doc)[start:end], start=start, end=end)


def _looks_like_a_title(content: str) -> bool:
    """A few words, each capitalised but for short function words ("Face the Nation")."""
    return _capitalised_words(content.strip(" ,.!?;:").split(), _TITLE_SMALL_WORDS, symbols=True)


def _sentence_subject(
    doc: Doc, span: QuoteSpan, sentences: list[Span], index: _EntityIndex
) -> tuple[Entity | None, Mention] | None:
    for sentence in sentences:
        root = sentence.root
        subject = _subject_of(root, span)
        if subject is None or not _names_someone(doc, subject, span, index):
            continue
        entity, mention = _resolve_speaker(doc, subject, span, index)
        if mention is not None and (entity is not None or subject.text.casefold() in DOCUMENT_NOUNS):
            return entity, mention
    return None


def _according_to(
    doc: Doc, span: QuoteSpan, sentences: list[Span], index: _EntityIndex
) -> tuple[Entity | None, Mention, str] | None:
    for sentence in sentences:
        lowered = sentence.text.casefold()
        at = lowered.find("according to ")
        if at == -1:
            continue
        start = sentence.start_char + at + len("according to ")
        end = start
        while end < sentence.end_char and doc_text(doc)[end] not in ',.;:“"\n':
            end += 1
        if end <= start:
            continue
        entity = index.covering(start, end)
        return entity, Mention(text=doc_text(doc)[start:end], start=start, end=end), "according to"
    return None


def _social_posts(doc: Doc, index: _EntityIndex) -> list[Quote]:
    """Embedded posts: the paragraph before a "- Name (@handle) date" line is Name's post."""
    posts = []
    for match in _POST_SIGNATURE.finditer(doc_text(doc)):
        before = doc_text(doc)[: match.start()].rstrip("\n")
        p_start = before.rfind("\n") + 1
        if not before[p_start:].strip():
            continue
        name_start = match.start("name")
        name_end = match.end("name")
        entity = index.covering(name_start, name_end)
        posts.append(
            Quote(
                text=doc_text(doc)[p_start : len(before)],
                start=p_start,
                end=len(before),
                speaker=entity.canonical if entity else match.group("name").strip(),
                speaker_key=entity.key if entity else None,
                speaker_mention=Mention(
                    text=doc_text(doc)[name_start:name_end], start=name_start, end=name_end
                ),
                cue="posted",
                kind="post",
            )
        )
    return posts
