"""The text of a spaCy doc, built once: ``Doc.text`` re-joins every token on each access."""

from __future__ import annotations

from spacy.tokens import Doc

_KEY = "newsmon.text"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(_KEY)
    if text is None:
        text = doc.text
        doc.user_data[_KEY] = text
    return text
