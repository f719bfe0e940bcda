"""A DoFn base for stages that keep state in the search engine: one connection per worker,
opened in ``setup`` and closed in ``teardown``. Without search settings (tests, the batch
command) the stage has no engine and keeps its state in memory."""

from __future__ import annotations

from dataclasses import dataclass

import apache_beam as beam

from newsmon.connectors.search import SearchEngine, connect_search_engine
from newsmon.settings import SearchSettings


@dataclass(frozen=True)
class Engine:
    """The worker's connection and the settings that name its indexes."""

    client: SearchEngine
    settings: SearchSettings


class SearchEngineDoFn(beam.DoFn):
    def __init__(self, search: SearchSettings | None) -> None:
        self._search = search
        self.connected: Engine | None = None

    @property
    def engine(self) -> SearchEngine | None:
        return self.connected.client if self.connected is not None else None

    def setup(self) -> None:
        if self._search is not None:
            self.connected = Engine(connect_search_engine(self._search), self._search)

    def teardown(self) -> None:
        if self.connected is not None:
            self.connected.client.close()
            self.connected = None
