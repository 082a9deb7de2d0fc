from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.sources.fake_x import FakeX


@pytest.fixture(scope="session")
def fake_x_server() -> Iterator[FakeX]:
    server = FakeX().start()
    yield server
    server.stop()


@pytest.fixture
def fake_x(fake_x_server: FakeX) -> FakeX:
    fake_x_server.reset()
    return fake_x_server


X_CREDENTIALS = {
    "x_bearer_token": "x-bearer-s3cr3t",
    "x_api_key": "x-key-s3cr3t",
    "x_api_secret": "x-secret-s3cr3t",
    "x_access_token": "x-access-s3cr3t",
    "x_access_token_secret": "x-access-secret-s3cr3t",
}


@pytest.fixture
def x_settings(make_settings: Callable[..., Any], fake_x: FakeX) -> Callable[..., Any]:
    def build(**overrides: Any) -> Any:
        return make_settings(**{**X_CREDENTIALS, "x_api_url": fake_x.url, "x_poll_seconds": 3600, **overrides})

    return build
