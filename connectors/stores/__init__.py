"""The stores the pipeline and the desk keep in the search engine: fingerprints, story
features, rule state, rules managed through the API. Each implements a store protocol of
its core (``dedup``, ``alerts``) with a memory overlay of the core's memory store."""
