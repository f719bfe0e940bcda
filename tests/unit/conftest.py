from __future__ import annotations

import pytest

from newsmon.nlp.enrich import Enricher
from newsmon.settings import NlpSettings


@pytest.fixture(scope="session")
def enricher() -> Enricher:
    """The real enricher (spaCy model + packaged configs), loaded once for the session."""
    return Enricher.load(NlpSettings())
