"""A property-based run of the public API against its own OpenAPI schema (schemathesis): requests generated from
the schema the app serves, valid and invalid ones, sent to the app in-process (its WSGI handler, full
middleware, the test database and the Redis cache); no answer may be a server error or break the schema."""

from __future__ import annotations

import warnings

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db
EXAMPLES_PER_OPERATION = 100  # five operations, positive and negative modes: about 20 s on a 2-core machine


# Loaded at collection from the app itself (the schema view touches no database); requests go to the same
# in-process WSGI handler.
with warnings.catch_warnings():
    # Collection comes before the suite's static-files settings (tests/conftest.py): the API needs none.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, database="none")


@pytest.fixture(scope="module")
def _keep_the_test_transaction():  # type: ignore[no-untyped-def]
    """The WSGI handler closes "old" connections when a request starts and ends, which would close the test's
    transaction; Django's own test client disconnects the same signals while it runs a request."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
def test_the_api_answers_every_generated_request_within_its_schema(case, _keep_the_test_transaction):
    case.call_and_validate(
        # The in-process transport does not decompress, as an HTTP client would; gzip has its own test.
        headers={"Accept-Encoding": "identity"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ],
    )
