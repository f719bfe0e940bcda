"""Natural-language cores of the enrichment stages: pure, typed functions over spaCy docs.

The Beam stages in :mod:`newsmon.pipelines.stages` wrap them; tests and the batch command
(``newsmon enrich``) call them directly.
"""
