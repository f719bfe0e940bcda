"""Language of an article, offline (py3langid's bundled model).

English is the default that a detection must overrule, and it overrules it only with
strong evidence: what the source declares (a feed's language, the article's ``language``
field) counts first; the detector chooses among the languages news is written in (not
Nigerian Pidgin, Volapük or "no language", which it says of English results tables and
short wire items); and it needs both confidence and enough real words (a line of scores
has few) before an article stops being English.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

ENGLISH = "en"
MIN_CHARACTERS = 20
SAMPLE_CHARACTERS = 3000
# The languages the detector chooses among: those of the world's main news outlets.
# (Luxembourgish is left out: the detector says it of English wire copy; it reads as German.)
NEWS_LANGUAGES = tuple(
    "en de fr es it pt nl pl ru uk ar zh ja ko tr sv da no nn fi cs sk hu ro bg hr sr bs sl "
    "el he fa ps ku hi ur bn pa gu mr ne ta te kn ml si id ms vi th km lo my mn ca eu gl et lv "
    "lt sq mk be ka hy az kk ky uz tg sw af zu xh st yo ha ig am so tl is ga cy mt".split()
)
# To overrule English: at least this probability, and at least this many words of letters.
CONFIDENT = 0.95
MIN_WORDS = 8
# To overrule a source that declares English: both higher.
DECLARED_CONFIDENT = 0.999
DECLARED_MIN_WORDS = 40
_WORD = re.compile(r"[^\W\d_]{2,}")


def detect_language(title: str, body: str, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the article's language.

    A declared language other than English is taken as it is; English, declared or not, is
    overruled only by a confident detection on enough words. Only the first few thousand
    characters are read: a 2 MB article costs no more than a short one.
    """
    declared = declared.strip().lower()[:2] if declared and declared.strip() else None
    if declared and declared != ENGLISH:
        return declared
    sample = f"{title}\n{body}"[:SAMPLE_CHARACTERS]
    if len(sample.strip()) < MIN_CHARACTERS:
        return declared
    language, probability = _identifier().classify(sample)
    if language == ENGLISH:
        return ENGLISH
    words = len(_WORD.findall(sample))
    confident, enough = (DECLARED_CONFIDENT, DECLARED_MIN_WORDS) if declared else (CONFIDENT, MIN_WORDS)
    if probability >= confident and words >= enough:
        return str(language)
    return ENGLISH


@cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(NEWS_LANGUAGES))
    return identifier
