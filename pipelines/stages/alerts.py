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
from newsmon.nlp.knowledge import KnowledgeBase
from newsmon.nlp.models import EnrichedArticle
from newsmon.settings import AlertSettings, NlpSettings

_LOG = logging.getLogger(__name__)


class _MatchRulesFn(beam.DoFn):
    def __init__(self, alerts: AlertSettings, nlp: NlpSettings) -> None:
        self._alerts = alerts
        self._nlp = nlp
        self._matched = Metrics.counter("newsmon.alerts", "alerts_matched")

    def setup(self) -> None:
        rules, errors = load_rules(self._alerts.rules_dir)
        for error in errors:
            _LOG.error("rule refused file=%s rule=%s problem=%s", error.file, error.rule_id, error.problem)
        self._index = RuleIndex(rules, KnowledgeBase.load(self._nlp.entities_file))
        _LOG.info("alert rules loaded count=%d refused=%d", len(self._index.rules), len(errors))

    def process(self, item: EnrichedArticle) -> Iterator[Alert]:
        for alert in self._index.match(item):
            self._matched.inc()
            yield alert


class MatchAlertRules(beam.PTransform[PCollection[EnrichedArticle], PCollection[Alert]]):
    """One :class:`Alert` per (rule, article) that matches.

    Args:
      alerts: where the rules are (``alerts.rules_dir``).
      nlp: the knowledge base, so that rules may name any alias of an entity.
    """

    def __init__(self, alerts: AlertSettings, nlp: NlpSettings) -> None:
        super().__init__()
        self._alerts = alerts
        self._nlp = nlp

    def expand(self, articles: PCollection[EnrichedArticle]) -> PCollection[Alert]:
        alerts: PCollection[Alert] = articles | "Match" >> beam.ParDo(_MatchRulesFn(self._alerts, self._nlp))
        return alerts
