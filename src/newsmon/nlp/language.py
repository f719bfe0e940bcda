"""Language of an article, offline (py3langid's bundled model)."""

from __future__ import annotations

MIN_CHARACTERS = 20
SAMPLE_CHARACTERS = 3000


def detect_language(title: str, body: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the article's language; ``declared`` wins when the text is too short.

    Only the first few thousand characters are read: enough for a confident answer,
    and a 2 MB article costs no more than a short one.
    """
    sample = f"{title}\n{body}"[:SAMPLE_CHARACTERS]
    if len(sample.strip()) < MIN_CHARACTERS:
        return declared.lower()[:2] if declared else None
    import py3langid

    language, _ = py3langid.classify(sample)
    return str(language)
