"""The messages that flow through newsmon, as data: articles, their enrichment, alerts,
Kafka records and dead letters. Depends on nothing else of newsmon but its exceptions;
everything else depends on it (docs/architecture.md)."""
