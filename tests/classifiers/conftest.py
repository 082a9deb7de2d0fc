from __future__ import annotations

import pytest

from classifiers import Engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    """The real shipped model (small and fast enough for the suite)."""
    return Engine.load(threads=2)
