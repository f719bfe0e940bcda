"""Rule management: list, read, validate, create, replace, enable/disable, delete.

File rules (``configs/rules/*.yaml``) are listed but read-only; API rules live in the
rules index, and the pipeline picks up changes within ``alerts.reload_interval_s``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from newsmon.alerts.rules import Rule
from newsmon.api.auth import require_write_token
from newsmon.connectors.stores.rules import RuleStore, to_json

router = APIRouter(prefix="/api/rules", tags=["rules"])


def _store(request: Request) -> RuleStore:
    store: RuleStore = request.app.state.rule_store
    return store


class RuleSwitch(BaseModel):
    enabled: bool


@router.get("")
def list_rules(request: Request) -> dict[str, Any]:
    """Every rule (files and API), and the rules refused with their problems."""
    stored, errors = _store(request).all()
    return {"rules": [to_json(s) for s in stored], "errors": [e.model_dump() for e in errors]}


@router.get("/{rule_id}")
def get_rule(rule_id: str, request: Request) -> dict[str, Any]:
    return to_json(_store(request).get(rule_id))


@router.post("/validate")
def validate_rule(rule: Rule) -> dict[str, Any]:
    """Check a rule without storing it (invalid rules answer 422 with the problems)."""
    return {"valid": True, "kind": rule.kind}


@router.post("", status_code=201, dependencies=[Depends(require_write_token)])
def create_rule(rule: Rule, request: Request) -> dict[str, Any]:
    return to_json(_store(request).create(rule))


@router.put("/{rule_id}", dependencies=[Depends(require_write_token)])
def replace_rule(rule_id: str, rule: Rule, request: Request) -> dict[str, Any]:
    if rule.id != rule_id:
        raise HTTPException(422, f"the rule's id {rule.id!r} differs from the path's {rule_id!r}")
    return to_json(_store(request).replace(rule))


@router.patch("/{rule_id}", dependencies=[Depends(require_write_token)])
def switch_rule(rule_id: str, switch: RuleSwitch, request: Request) -> dict[str, Any]:
    """Enable or disable a rule."""
    return to_json(_store(request).set_enabled(rule_id, switch.enabled))


@router.delete("/{rule_id}", status_code=204, dependencies=[Depends(require_write_token)])
def delete_rule(rule_id: str, request: Request) -> Response:
    _store(request).delete(rule_id)
    return Response(status_code=204)
