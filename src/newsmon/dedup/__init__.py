"""Duplicates and stories: exact and near-duplicate copies (syndicated wire stories) and
the story an article belongs to."""
