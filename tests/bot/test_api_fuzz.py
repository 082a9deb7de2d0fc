"""Schemathesis reads /openapi.json from a real server and sends generated requests, valid and broken, to every
operation, on SQLite and on PostgreSQL, with an admin token: no answer may be a 500. Marked `extended`:
`make test-extended` runs it (CI does, after the suite) with `SCHEMATHESIS_EXAMPLES` examples per operation and mode."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode

from tests.live_server import LiveServer

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
SIGNED = ("/slack/", "/v1/webhooks/")  # fuzzed with valid signatures in tests/slack and tests/sources


@pytest.fixture
def live_api(settings: Any) -> Iterator[LiveServer]:
    with LiveServer(settings) as server:
        yield server


@pytest.mark.extended
def test_no_generated_request_gets_a_500(live_api: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(live_api.url + "/openapi.json")
    headers = live_api.token("admin")
    operations = [r.ok() for r in schema.get_all_operations()]
    checked = 0
    for operation in operations:
        if operation.path.startswith(SIGNED):
            continue
        for mode in GenerationMode:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
            def check(case: Any) -> None:
                response = case.call(headers=headers, timeout=30)
                case.validate_response(response, checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:  # nothing to break in an operation without parameters
                assert mode is GenerationMode.NEGATIVE, operation.label
            checked += 1
    assert checked >= 20  # every public operation, both modes
