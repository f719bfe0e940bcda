"""Stage: EnrichedArticles -> Alerts, by matching every enabled rule in process.

The pure core is :class:`newsmon.alerts.matcher.RuleIndex` (tests call it without Beam);
rules load once per worker in ``setup``. A bad rule is logged with its problem and left
out; the others run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import PCollection

from newsmon.alerts.matcher import Alert, RuleIndex
from newsmon.alerts.rules import load_rules
from newsmon.alerts.windows import MatchStore, MemoryMatchStore, SearchMatchStore, alerts_for
from newsmon.connectors.search import SearchEngine, connect_search_engine
from newsmon.nlp.knowledge import KnowledgeBase
from newsmon.nlp.models import EnrichedArticle
from newsmon.settings import AlertSettings, NlpSettings, SearchSettings

_LOG = logging.getLogger(__name__)


class _MatchRulesFn(beam.DoFn):
    def __init__(self, alerts: AlertSettings, nlp: NlpSettings, search: SearchSettings | None) -> None:
        self._alerts = alerts
        self._nlp = nlp
        self._search = search
        self._matched = Metrics.counter("newsmon.alerts", "alerts_matched")

    def setup(self) -> None:
        rules, errors = load_rules(self._alerts.rules_dir)
        for error in errors:
            _LOG.error("rule refused file=%s rule=%s problem=%s", error.file, error.rule_id, error.problem)
        self._index = RuleIndex(rules, KnowledgeBase.load(self._nlp.entities_file))
        _LOG.info("alert rules loaded count=%d refused=%d", len(self._index.rules), len(errors))
        self._engine: SearchEngine | None = None
        self._store: MatchStore = MemoryMatchStore()
        if self._search is not None:
            # Frequency-rule state lives in the search engine: it survives restarts.
            self._engine = connect_search_engine(self._search)
            self._store = SearchMatchStore(self._engine, self._search.rule_matches_index)

    def teardown(self) -> None:
        if getattr(self, "_engine", None) is not None:
            self._engine.close()  # type: ignore[union-attr]

    def process(self, item: EnrichedArticle) -> Iterator[Alert]:
        for alert in alerts_for(self._index, item, self._store):
            self._matched.inc()
            yield alert


class MatchAlertRules(beam.PTransform[PCollection[EnrichedArticle], PCollection[Alert]]):
    """One :class:`Alert` per (rule, article) that matches.

    Args:
      alerts: where the rules are (``alerts.rules_dir``).
      nlp: the knowledge base, so that rules may name any alias of an entity.
      search: where frequency rules keep their matches (in memory without it).
    """

    def __init__(self, alerts: AlertSettings, nlp: NlpSettings, search: SearchSettings | None = None) -> None:
        super().__init__()
        self._alerts = alerts
        self._nlp = nlp
        self._search = search

    def expand(self, articles: PCollection[EnrichedArticle]) -> PCollection[Alert]:
        fn = _MatchRulesFn(self._alerts, self._nlp, self._search)
        alerts: PCollection[Alert] = articles | "Match" >> beam.ParDo(fn)
        return alerts
