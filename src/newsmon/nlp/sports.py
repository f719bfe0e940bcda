"""Clubs in sports results are organisations, not places.

Wire services file results as lines of names and scores ("Torquay 2 Exeter 0",
"Somerset 83 and 174 , Leicestershire 296", "May 18 v Worcestershire"). The small English
model calls those clubs places or people, or misses them, so an article of football
results would put Leeds on the map. ``newsmon_sports_results_v1`` runs after the entity
fixes and labels such a name ORG when it stands right before a score or right after
"v"/"vs", unless it names a country (national teams stay places, as in CoNLL), is a
person written with an initial ("P. Simmons 4-38"), or a cricket scorecard's bowler
or catcher ("c Healy b Fleming 44").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from newsmon.nlp.components import token_runs, upper_case_runs
from newsmon.nlp.gazetteer import Gazetteer, shared_gazetteer

SPORTS_RESULTS = "newsmon_sports_results_v1"

_SCORE = re.compile(r"^\d{1,3}(-\d{1,3})?$")
_INITIAL = re.compile(r"^[A-Z]\.$")
_VERSUS = frozenset({"v", "vs", "v.", "vs."})
# Capitalised words that come before a number without naming a club.
_NOT_CLUBS = frozenset(
    {
        *("January February March April May June July August September October November December".split()),
        *("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec".split()),
        *("Euro Formula Week Round Group Division Section Race Stage Game Match Hole Heat".split()),
        *("Day Page Article Chapter Rule Flight Room Vol No Halftime Current Net Total".split()),
    }
)
# Scorecard abbreviations before a player: caught, bowled, leg before wicket, stumped.
_SCORECARD_MARKS = frozenset({"b", "c", "lbw", "st"})
# Entity labels a club name may have been given by mistake; others (dates, money) stay.
_REPLACEABLE = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})


class SportsResults:
    """Labels clubs named in results lines as ORG (see the module docstring)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    def __call__(self, doc: Doc) -> Doc:
        clubs = [Span(doc, start, end, label="ORG") for start, end in self.club_spans(doc)]
        if clubs:
            others = [e for e in doc.ents if not any(e.start < c.end and c.start < e.end for c in clubs)]
            doc.ents = sorted(filter_spans(others + clubs), key=lambda s: s.start)
        return doc

    def club_spans(self, doc: Doc) -> Iterator[tuple[int, int]]:
        """Token ranges of the names that a score follows or "v" precedes, and that may be clubs."""
        for start, end in self._name_runs(doc):
            before = doc[start - 1].text if start > 0 else ""
            if not (_score_follows(doc, end) or before in _VERSUS):
                continue
            if doc[start].text in _NOT_CLUBS or doc[end - 1].text in _NOT_CLUBS:
                continue
            if _INITIAL.match(before) or before in _SCORECARD_MARKS:
                continue
            if self._names_a_person_or_country(doc[start:end]):
                continue
            yield start, end

    def _names_a_person_or_country(self, span: Span) -> bool:
        """A demonym, a country (national teams stay places), a full name or a date or amount."""
        name = span.text
        if self.gazetteer.demonym_country(name) is not None:
            return True
        if any(record.kind == "country" for record in self.gazetteer.candidates(name)):
            return True
        overlapping = (e for e in span.doc.ents if e.start < span.end and span.start < e.end)
        return any(e.label_ not in _REPLACEABLE or _full_name(e) for e in overlapping)

    def _name_runs(self, doc: Doc) -> Iterator[tuple[int, int]]:
        """Capitalised runs, and in runs written in capitals the place name ending them
        ("... 7 PHILADELPHIA 6": standings and headlines are often in capitals)."""
        yield from _capitalised_runs(doc)
        for start, end in upper_case_runs(doc):
            for first in range(max(start, end - 3), end):
                if self.gazetteer.is_place(doc[first:end].text):
                    yield first, end
                    break


def _full_name(ent: Span) -> bool:
    """A PERSON of two words or more, all words ("Ian Woosnam 70 76" is not a club)."""
    return ent.label_ == "PERSON" and len(ent) >= 2 and all(token.is_alpha or token.is_punct for token in ent)


def _capitalised_runs(doc: Doc) -> list[tuple[int, int]]:
    """Maximal runs of capitalised words ("Queen 's Park" stops at "'s"), not starting on a stop word."""
    return token_runs(
        doc,
        lambda t: t.is_title and t.is_alpha and len(t) > 1 and not t.is_stop,
        lambda t: t.is_title and (t.is_alpha or t.text == "&"),
    )


def _score_follows(doc: Doc, end: int) -> bool:
    """Whether the whitespace-delimited word after token ``end - 1`` is a score ("2", "3-1")."""
    if end >= len(doc):
        return False
    last = end
    while not doc[last].whitespace_ and last + 1 < len(doc) and not doc[last + 1].is_space:
        last += 1
    return bool(_SCORE.match(doc[end : last + 1].text))


@Language.factory(SPORTS_RESULTS, default_config={"regions_path": None})
def make_sports_results(nlp: Language, name: str, regions_path: str | None) -> SportsResults:
    """Factory of the sports-results component (config: path of regions.yaml)."""
    return SportsResults(shared_gazetteer(Path(regions_path) if regions_path else None))
