"""newsmon: a streaming news-monitoring pipeline (Kafka -> Apache Beam -> Elasticsearch/OpenSearch)."""

__version__ = "0.1.0"
