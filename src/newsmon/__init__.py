"""newsmon: streaming news monitoring (Kafka -> Apache Beam -> Elasticsearch/OpenSearch)."""

__version__ = "0.1.0"
