"""Alert rules: definitions (YAML, validated), matching against enriched articles, alerts."""
