"""Root conftest: nbval's notebook cells count as slow, so `pytest -m "not slow"` is the fast lane."""
import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.split("::")[0].endswith(".ipynb"):
            item.add_marker(pytest.mark.slow)
