"""NER on CoNLL-2003 (IOB2, PER/ORG/LOC/MISC): the raw spaCy model against our stage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from spacy.language import Language

from newsmon.evaluation.scores import Counts, table

LABEL_MAP = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "LAW": "MISC",
    "WORK_OF_ART": "MISC",
    "LANGUAGE": "MISC",
}
TYPES = ("PER", "ORG", "LOC", "MISC")

Spans = set[tuple[int, int, str]]


def read_conll(path: Path) -> Iterator[tuple[str, Spans]]:
    """Sentences of a CoNLL file as text (tokens joined by spaces) and gold character spans."""
    tokens: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if not parts:
                if tokens:
                    yield _sentence(tokens)
                tokens = []
            elif parts[0] != "-DOCSTART-":
                tokens.append((parts[0], parts[-1]))
    if tokens:
        yield _sentence(tokens)


def _sentence(tokens: list[tuple[str, str]]) -> tuple[str, Spans]:
    text_parts: list[str] = []
    spans: Spans = set()
    position = 0
    current: tuple[int, str] | None = None
    end = 0
    for word, tag in tokens:
        start = position
        text_parts.append(word)
        position += len(word) + 1
        if tag.startswith("B-") or (tag.startswith("I-") and (current is None or current[1] != tag[2:])):
            if current is not None:
                spans.add((current[0], end, current[1]))
            current = (start, tag[2:])
        elif tag == "O" and current is not None:
            spans.add((current[0], end, current[1]))
            current = None
        end = start + len(word)
    if current is not None:
        spans.add((current[0], end, current[1]))
    return " ".join(text_parts), spans


def evaluate_ner(nlp: Language, path: Path) -> dict[str, Counts]:
    """Exact-span, exact-type scores per CoNLL type, and micro over PER/ORG/LOC."""
    sentences = list(read_conll(path))
    counts = {t: Counts() for t in TYPES}
    for (_, gold), doc in zip(sentences, nlp.pipe(text for text, _ in sentences), strict=True):
        predicted: Spans = {
            (e.start_char, e.end_char, LABEL_MAP[e.label_]) for e in doc.ents if e.label_ in LABEL_MAP
        }
        for kind in TYPES:
            g = {s for s in gold if s[2] == kind}
            p = {s for s in predicted if s[2] == kind}
            counts[kind].add(Counts(len(g & p), len(p - g), len(g - p)))
    micro = Counts()
    for kind in ("PER", "ORG", "LOC"):
        micro.add(counts[kind])
    counts["micro PER/ORG/LOC"] = micro
    return counts


def report(systems: dict[str, dict[str, Counts]]) -> str:
    """One table: "raw" the model, "tuned" with newsmon's recogniser weights, "ours" the stage."""
    rows = [
        (f"{name:<6}{kind}", counts) for name, scores in systems.items() for kind, counts in scores.items()
    ]
    return table("NER on CoNLL-2003 dev (exact span and type)", rows)
