"""Connectors to external systems: Kafka (source, sinks, admin) and the search engines."""
