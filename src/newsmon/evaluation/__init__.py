"""Quality measurement on real annotated data (``newsmon eval``): NER, quotes, topics, canonicalisation."""
