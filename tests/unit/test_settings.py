from pathlib import Path

import pytest
from pydantic import ValidationError

from newsmon.settings import Settings, load_settings


def test_defaults_come_from_packaged_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSMON_ES_URL", raising=False)
    monkeypatch.delenv("NEWSMON_KAFKA_BOOTSTRAP", raising=False)
    settings = load_settings()
    assert settings.kafka.articles_topic == "articles"
    assert settings.search.articles_index == "newsmon-articles"
    assert not settings.kafka.external and not settings.search.external


def test_nested_environment_variables_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_SEARCH__ARTICLES_INDEX", "desk-a")
    monkeypatch.setenv("NEWSMON_KAFKA__PARTITIONS", "6")
    settings = load_settings()
    assert settings.search.articles_index == "desk-a"
    assert settings.kafka.partitions == 6


def test_shortcuts_point_at_external_services(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_ES_URL", "https://search.example:9200")
    monkeypatch.setenv("NEWSMON_KAFKA_BOOTSTRAP", "k1:9092,k2:9092")
    settings = load_settings()
    assert settings.search.url == "https://search.example:9200" and settings.search.external
    assert settings.kafka.client_config()["bootstrap_servers"] == ["k1:9092", "k2:9092"]
    assert settings.kafka.external


def test_user_yaml_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "desk.yaml"
    config.write_text("search:\n  engine: opensearch\n  bulk_max_docs: 50\n")
    monkeypatch.setenv("NEWSMON_CONFIG", str(config))
    settings = load_settings()
    assert settings.search.engine == "opensearch" and settings.search.bulk_max_docs == 50


def test_invalid_values_are_rejected_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_SEARCH__ENGINE", "solr")
    with pytest.raises(ValidationError, match="engine"):
        Settings()


def test_secrets_do_not_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_SEARCH__PASSWORD", "hunter2")
    monkeypatch.setenv("NEWSMON_KAFKA__SASL_PASSWORD", "s3cret")
    settings = load_settings()
    assert "hunter2" not in repr(settings) and "s3cret" not in repr(settings)
    assert settings.search.password is not None
    assert settings.search.password.get_secret_value() == "hunter2"


def test_every_index_setting_has_its_template_and_a_prefix_renames_them_all() -> None:
    from newsmon.settings import INDEX_FIELDS, SearchSettings, packaged_config_dir

    index_fields = {name for name in SearchSettings.model_fields if name.endswith("_index")}
    assert set(INDEX_FIELDS) == index_fields
    templates = {p.stem for p in (packaged_config_dir() / "index-templates").glob("*.json")}
    assert set(INDEX_FIELDS.values()) == templates
    renamed = SearchSettings().with_index_prefix("t-1")
    assert sorted(renamed.indexes().values()) == sorted(f"t-1-{t}" for t in templates)
    assert renamed.index_environment()["NEWSMON_SEARCH__RULES_INDEX"] == "t-1-rules"
