"""Markers by folder: every test under tests/unit is ``unit``, under tests/integration
``integration`` (a ``pytestmark`` in a conftest.py would not reach the tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.relative_to(_TESTS).parts[0]
        if folder in ("unit", "integration"):
            item.add_marker(folder)
