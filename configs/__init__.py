"""Packaged configuration: settings defaults (``newsmon.yaml``) and index templates."""
