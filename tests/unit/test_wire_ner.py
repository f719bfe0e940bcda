"""Entities in 1996 wire copy (CoNLL-2003 dev, real Reuters sentences): the error classes
of the small model on results and lists, fixed by newsmon's recogniser weights (fine-tuned
on CoNLL-2003 train, `scripts/train_ner.py`) and the entity fixes."""

from __future__ import annotations

from functools import cache

import pytest
from spacy.language import Language

from newsmon.evaluation.ner import LABEL_MAP, read_conll
from newsmon.nlp.components import load_pipeline
from newsmon.settings import NlpSettings
from tests.helpers import shared_file


@cache
def _pipeline() -> Language:
    return load_pipeline(NlpSettings().model, ner_weights="newsmon")


@cache
def _sentences() -> dict[str, set[tuple[str, str]]]:
    found = {}
    for text, gold in read_conll(shared_file("conll2003/dev.txt")):
        found[text] = {(text[start:end], kind) for start, end, kind in gold}
    return found


def _entities(prefix: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    text = next(t for t in _sentences() if t.startswith(prefix))
    doc = _pipeline()(text)
    return {(e.text, LABEL_MAP[e.label_]) for e in doc.ents if e.label_ in LABEL_MAP}, _sentences()[text]


@pytest.mark.parametrize(
    "prefix",
    [
        # Clubs named after their county or city in a scoreboard are teams, not places.
        "London ( The Oval ) : Warwickshire 195 , Surrey 429-7",
        # Bare surnames and full names in a list of players.
        "Green , Jerry Kelly , Tim Simpson , Olin Browne",
        # A surname with its particle, among bare surnames in a bowling line.
        "Bowling : Vass 7-0-29-0 , de Silva 4-0-25-0",
        "Romesh Kaluwitharana , Asanka Gurusinha , Aravinda de Silva",
    ],
)
def test_people_and_teams_in_results_and_lists(prefix: str) -> None:
    found, gold = _entities(prefix)
    people_and_teams = {g for g in gold if g[1] in ("PER", "ORG")}
    assert people_and_teams <= found, people_and_teams - found


def test_the_model_keeps_the_types_conll_does_not_have() -> None:
    doc = _pipeline()("The euro fell 2 percent to $1.10 on Monday, the European Central Bank said.")
    labels = {e.label_ for e in doc.ents}
    assert {"PERCENT", "MONEY", "DATE", "ORG"} <= labels
