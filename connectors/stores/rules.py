"""Where rules live: YAML files (read-only, under version control) and the rules index
(created, updated, disabled and deleted through the API).

Both are read by the pipeline, which picks up API changes within
``alerts.reload_interval_s``. A rule id is unique across both: the API cannot shadow a
file rule.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from newsmon.alerts.rules import Rule, RuleError, describe_validation_error, load_rules
from newsmon.connectors.search import SearchEngine
from newsmon.exceptions import NewsmonError
from newsmon.settings import AlertSettings


class RuleNotFoundError(NewsmonError):
    """No rule has that id."""


class RuleConflictError(NewsmonError):
    """The change would break a rule id's uniqueness, or touches a read-only file rule."""


class StoredRule(BaseModel):
    """A rule with where it comes from."""

    rule: Rule
    origin: Literal["file", "api"]
    updated_at: datetime | None = None


class RuleStore:
    """File rules plus API rules, the latter in the search engine's rules index."""

    def __init__(self, engine: SearchEngine, index: str, alerts: AlertSettings) -> None:
        self._engine = engine
        self._index = index
        self._alerts = alerts

    def file_rules(self) -> tuple[list[Rule], list[RuleError]]:
        return load_rules(self._alerts.rules_dir)

    def api_rules(self) -> tuple[list[StoredRule], list[RuleError]]:
        """Rules of the rules index; a stored rule that no longer validates is an error."""
        body = {"size": 10_000, "sort": [{"id": "asc"}], "query": {"match_all": {}}}
        stored, errors = [], []
        for hit in self._engine.search(self._index, body)["hits"]["hits"]:
            source = hit["_source"]
            try:
                rule = Rule.model_validate(source["rule"])
            except (ValidationError, KeyError) as e:
                problem = describe_validation_error(e) if isinstance(e, ValidationError) else "no rule"
                errors.append(RuleError(file=self._index, rule_id=hit["_id"], problem=problem))
                continue
            updated = datetime.fromisoformat(source["updated_at"]) if source.get("updated_at") else None
            stored.append(StoredRule(rule=rule, origin="api", updated_at=updated))
        return stored, errors

    def all(self) -> tuple[list[StoredRule], list[RuleError]]:
        """Every rule, file rules first; an API rule with a file rule's id is an error."""
        files, errors = self.file_rules()
        api, api_errors = self.api_rules()
        taken = {r.id for r in files}
        merged = [StoredRule(rule=r, origin="file") for r in files]
        for stored in api:
            if stored.rule.id in taken:
                errors.append(
                    RuleError(file=self._index, rule_id=stored.rule.id, problem="id taken by a file rule")
                )
                continue
            merged.append(stored)
        return merged, errors + api_errors

    def get(self, rule_id: str) -> StoredRule:
        for stored in self.all()[0]:
            if stored.rule.id == rule_id:
                return stored
        raise RuleNotFoundError(f"no rule with id {rule_id!r}")

    def create(self, rule: Rule) -> StoredRule:
        if any(s.rule.id == rule.id for s in self.all()[0]):
            raise RuleConflictError(f"a rule with id {rule.id!r} exists already")
        return self._put(rule)

    def replace(self, rule: Rule) -> StoredRule:
        self._writable(rule.id)
        return self._put(rule)

    def set_enabled(self, rule_id: str, enabled: bool) -> StoredRule:
        stored = self._writable(rule_id)
        return self._put(stored.rule.model_copy(update={"enabled": enabled}))

    def delete(self, rule_id: str) -> None:
        self._writable(rule_id)
        self._engine.delete_document(self._index, rule_id)
        self._engine.refresh(self._index)

    def _writable(self, rule_id: str) -> StoredRule:
        stored = self.get(rule_id)
        if stored.origin == "file":
            raise RuleConflictError(f"rule {rule_id!r} is defined in a YAML file: change it there")
        return stored

    def _put(self, rule: Rule) -> StoredRule:
        now = datetime.now(UTC)
        document = {
            "id": rule.id,
            "enabled": rule.enabled,
            "updated_at": now.isoformat(),
            "rule": rule.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        self._engine.index_document(self._index, rule.id, document)
        # Visible to the next list and to the pipeline's next reload.
        self._engine.refresh(self._index)
        return StoredRule(rule=rule, origin="api", updated_at=now)


def rules_fingerprint(rules: list[Rule]) -> str:
    """Changes when any rule changes: the pipeline rebuilds its index only then."""
    payload = json.dumps([r.model_dump(mode="json", by_alias=True) for r in rules], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def to_json(stored: StoredRule) -> dict[str, Any]:
    """How the API shows a rule."""
    return {
        **stored.rule.model_dump(mode="json", by_alias=True, exclude_none=True),
        "kind": stored.rule.kind,
        "origin": stored.origin,
        "updated_at": stored.updated_at.isoformat() if stored.updated_at else None,
    }
