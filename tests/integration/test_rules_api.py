"""The rules API against the real search engine: validation with named problems, token
auth on writes, file rules read-only, and the pipeline picking up API rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from newsmon.api.app import create_app
from newsmon.settings import AlertSettings, ApiSettings
from tests.helpers import shared_file
from tests.integration.conftest import World

TOKEN = "test-token-7f3a"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
FILE_RULES = """
rules:
  - id: file-rule
    when: {entity: NATO}
"""


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "desk.yaml").write_text(FILE_RULES)
    world.settings = world.settings.model_copy(
        update={"alerts": AlertSettings(rules_dir=tmp_path), "api": ApiSettings(token=SecretStr(TOKEN))}
    )
    with TestClient(create_app(world.settings, world.engine)) as test_client:
        yield test_client


def test_rules_crud_with_validation_and_auth(client: TestClient) -> None:
    rule = {
        "id": "putin-on-nato",
        "severity": "high",
        "when": {"quote_mentions": {"speaker": "Putin", "text": "NATO"}},
    }
    assert client.post("/api/rules", json=rule).status_code == 401  # no token
    assert client.post("/api/rules", json=rule, headers={"Authorization": "Bearer nope"}).status_code == 401
    created = client.post("/api/rules", json=rule, headers=AUTH)
    assert created.status_code == 201, created.text
    assert created.json()["origin"] == "api" and created.json()["kind"] == "article"

    listed = client.get("/api/rules").json()
    assert {(r["id"], r["origin"]) for r in listed["rules"]} == {
        ("file-rule", "file"),
        ("putin-on-nato", "api"),
    }
    assert client.post("/api/rules", json=rule, headers=AUTH).status_code == 409  # same id
    file_rule = {"id": "file-rule", "when": {"entity": "NATO"}}
    assert client.put("/api/rules/file-rule", json=file_rule, headers=AUTH).status_code == 409

    # Bad rules are refused with the problem named.
    bad = {
        "unknown field": ({"id": "x", "when": {"entity": "NATO"}, "colour": "red"}, "colour"),
        "bad regex": ({"id": "x", "when": {"phrase": {"regex": "(unclosed"}}}, "bad regex"),
        "empty condition": ({"id": "x", "when": {}}, "empty condition"),
        "bad score": ({"id": "x", "when": {"topic": {"label": "sanctions", "min_score": 2}}}, "min_score"),
        "two kinds": (
            {
                "id": "x",
                "when": {"entity": "NATO"},
                "frequency": {"count": 3, "minutes": 5},
                "spike": {"minutes": 5},
            },
            "one kind",
        ),
    }
    for name, (body, problem) in bad.items():
        refused = client.post("/api/rules", json=body, headers=AUTH)
        assert refused.status_code == 422, name
        assert problem in " ".join(refused.json()["problems"]), (name, refused.json())
        assert client.post("/api/rules/validate", json=body).status_code == 422
    assert client.post("/api/rules/validate", json=rule).json() == {"valid": True, "kind": "article"}

    updated = {**rule, "severity": "critical", "throttle": {"minutes": 60, "per": "entity"}}
    assert client.put("/api/rules/putin-on-nato", json=updated, headers=AUTH).json()["severity"] == "critical"
    assert (
        client.patch("/api/rules/putin-on-nato", json={"enabled": False}, headers=AUTH).json()["enabled"]
        is False
    )
    assert client.get("/api/rules/putin-on-nato").json()["throttle"] == {"minutes": 60.0, "per": "entity"}
    assert client.delete("/api/rules/putin-on-nato", headers=AUTH).status_code == 204
    missing = client.get("/api/rules/putin-on-nato")
    assert missing.status_code == 404 and "putin-on-nato" in missing.json()["error"]


def test_writes_are_refused_without_a_configured_token(world: World) -> None:
    with TestClient(create_app(world.settings, world.engine)) as client:
        refused = client.post("/api/rules", json={"id": "x", "when": {"entity": "NATO"}})
        assert refused.status_code == 403 and "NEWSMON_API__TOKEN" in refused.json()["error"]
        assert client.get("/openapi.json").json()["info"]["title"] == "newsmon"


def test_the_pipeline_fires_api_rules_and_skips_disabled_ones(client: TestClient, world: World) -> None:
    for rule_id in ("api-putin-quoted", "api-disabled"):
        body = {"id": rule_id, "when": {"quoted": "Vladimir Putin"}}
        assert client.post("/api/rules", json=body, headers=AUTH).status_code == 201
    assert client.patch("/api/rules/api-disabled", json={"enabled": False}, headers=AUTH).status_code == 200
    seed = {
        "title": "Johnson and Putin",
        "body": shared_file("seed-article.txt").read_text(),
        "source": "seed",
    }
    world.produce([json.dumps(seed).encode()])
    world.run_pipeline()

    index = world.settings.search.alerts_index
    world.engine.refresh(index)
    hits = world.engine.search(index, {"query": {"match_all": {}}, "size": 50})["hits"]["hits"]
    fired = {h["_source"]["rule_id"] for h in hits}
    assert "api-putin-quoted" in fired and "file-rule" in fired
    assert "api-disabled" not in fired
    putin = next(h["_source"] for h in hits if h["_source"]["rule_id"] == "api-putin-quoted")
    # Highlights point at the quote in the article.
    assert putin["highlights"] and putin["highlights"][0]["field"] == "body"
