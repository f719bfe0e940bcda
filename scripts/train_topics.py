"""Fit the topic word model (`configs/topic_words.json`, see `newsmon.nlp.topic_words`)
on the BBC News articles of `../shared/data/bbc-news/bbc-news-dev.jsonl`.

    .venv/bin/python scripts/train_topics.py

Its quality on articles it has not seen: `newsmon eval topics` (5-fold cross-validation).
"""

from __future__ import annotations

from pathlib import Path

from newsmon.evaluation.topics import BBC_TO_OURS, read_bbc
from newsmon.nlp.topic_words import WordModel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "bbc-news" / "bbc-news-dev.jsonl"
OUT = ROOT / "configs" / "topic_words.json"


def main() -> None:
    items = read_bbc(DATA)
    model = WordModel.fit([(i["title"], i["body"], BBC_TO_OURS[i["category"]]) for i in items])
    OUT.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"{len(items)} articles, {len(model.words)} words, topics {', '.join(model.topics)} -> {OUT}")


if __name__ == "__main__":
    main()
