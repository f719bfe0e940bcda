"""Beam stages: each a small PTransform over a pure, typed core function."""
