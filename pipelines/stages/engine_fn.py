"""A DoFn base for stages that keep state in the search engine: one connection per worker,
opened in ``setup`` and closed in ``teardown``, None when the stage runs without an engine
(tests, the batch command)."""

from __future__ import annotations

import apache_beam as beam

from newsmon.connectors.search import SearchEngine, connect_search_engine
from newsmon.settings import SearchSettings


class SearchEngineDoFn(beam.DoFn):
    def __init__(self, search: SearchSettings | None) -> None:
        self._search = search
        self.engine: SearchEngine | None = None

    def setup(self) -> None:
        self.engine = connect_search_engine(self._search) if self._search is not None else None

    def teardown(self) -> None:
        if self.engine is not None:
            self.engine.close()
            self.engine = None
