"""Stage: EnrichedArticles -> Alerts, by matching every enabled rule in process.

The pure core is :class:`newsmon.alerts.matcher.RuleIndex` (tests call it without Beam);
rules load once per worker in ``setup``. A bad rule is logged with its problem and left
out; the others run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta

import apache_beam as beam
from apache_beam.metrics.metric import Metrics
from apache_beam.pvalue import DoOutputsTuple, PCollection, TaggedOutput

from newsmon.alerts.evaluate import alerts_for
from newsmon.alerts.matcher import RuleIndex
from newsmon.alerts.rules import Rule, RuleError, load_rules
from newsmon.alerts.state import AlertState, MemoryAlertState
from newsmon.connectors.failures import isolated
from newsmon.connectors.metrics import ALERTS_FIRED
from newsmon.connectors.stores.alert_state import SearchAlertState
from newsmon.connectors.stores.rules import RuleStore, rules_fingerprint
from newsmon.models.alert import Alert
from newsmon.models.enrichment import EnrichedArticle
from newsmon.models.messages import DeadLetter
from newsmon.nlp.knowledge import KnowledgeBase
from newsmon.pipelines.stages.engine_fn import SearchEngineDoFn
from newsmon.settings import AlertSettings, NlpSettings, SearchSettings

_LOG = logging.getLogger(__name__)
STAGE = "alerts"
DEAD_LETTERS = "dead_letters"


class _MatchRulesFn(SearchEngineDoFn):
    def __init__(self, alerts: AlertSettings, nlp: NlpSettings, search: SearchSettings | None) -> None:
        super().__init__(search)
        self._alerts = alerts
        self._nlp = nlp
        self._matched = Metrics.counter("newsmon.alerts", "alerts_matched")

    def setup(self) -> None:
        super().setup()
        self._kb = KnowledgeBase.shared(self._nlp.entities_file)
        self._rule_store: RuleStore | None = None
        self._state: AlertState = MemoryAlertState()
        if (engine := self.connected) is not None:
            # Windowed-rule state lives in the search engine: it survives restarts.
            search = engine.settings
            self._state = SearchAlertState(
                engine.client, search.rule_matches_index, search.alerts_index, search.overlay_items
            )
            self._rule_store = RuleStore(engine.client, search.rules_index, self._alerts)
        minutes = self._alerts.allowed_lateness_minutes
        self._lateness = timedelta(minutes=minutes) if minutes is not None else None
        self._fingerprint = ""
        self._index = RuleIndex([])
        self._next_reload = 0.0
        self._reload_rules()

    def _reload_rules(self) -> None:
        """Pick up rule changes (files, API) without a restart; keep the old rules on failure."""
        self._next_reload = time.monotonic() + self._alerts.reload_interval_s
        rules: list[Rule]
        errors: list[RuleError]
        try:
            if self._rule_store is not None:
                stored, errors = self._rule_store.all()
                rules = [s.rule for s in stored]
            else:
                rules, errors = load_rules(self._alerts.rules_dir)
        except Exception as e:  # a failed reload must never stop the matching
            _LOG.warning("alert rules not reloaded, keeping %d: %s", len(self._index.rules), e)
            return
        fingerprint = rules_fingerprint(rules)
        if fingerprint == self._fingerprint:
            return
        for error in errors:
            _LOG.error("rule refused file=%s rule=%s problem=%s", error.file, error.rule_id, error.problem)
        self._index = RuleIndex(rules, self._kb)
        self._fingerprint = fingerprint
        _LOG.info("alert rules loaded enabled=%d refused=%d", len(self._index.rules), len(errors))

    def finish_bundle(self) -> None:
        self._state.flush()

    def process(self, item: EnrichedArticle) -> Iterator[Alert | TaggedOutput]:
        if time.monotonic() >= self._next_reload:
            self._reload_rules()
        alerts = isolated(
            STAGE,
            item,
            item.id,
            lambda: list(alerts_for(self._index, item, self._state, self._lateness)),
            self.engine,
        )
        if isinstance(alerts, DeadLetter):
            yield TaggedOutput(DEAD_LETTERS, alerts)
            return
        self._matched.inc(len(alerts))
        for alert in alerts:
            ALERTS_FIRED.labels(alert.rule_id).inc()
        yield from alerts


class MatchAlertRules(beam.PTransform[PCollection[EnrichedArticle], DoOutputsTuple]):
    """The alerts of each article: per-article, frequency, spike and first-seen rules,
    throttled as each rule says.

    Args:
      alerts: where the rule files are and how often to reload rules.
      nlp: the knowledge base, so that rules may name any alias of an entity.
      search: where API rules and windowed-rule state live (without it: files only,
        state in memory).

    Returns ``result.alerts`` and ``result.dead_letters`` (an article matching raised on).
    """

    def __init__(self, alerts: AlertSettings, nlp: NlpSettings, search: SearchSettings | None = None) -> None:
        super().__init__()
        self._alerts = alerts
        self._nlp = nlp
        self._search = search

    def expand(self, articles: PCollection[EnrichedArticle]) -> DoOutputsTuple:
        fn = _MatchRulesFn(self._alerts, self._nlp, self._search)
        alerts: DoOutputsTuple = articles | "Match" >> beam.ParDo(fn).with_outputs(
            DEAD_LETTERS, main="alerts"
        )
        return alerts
