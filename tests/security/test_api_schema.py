"""Schemathesis against `/api/openapi.json`: every operation, called with generated parameters and
bodies (valid and invalid) by a shop owner's token and by a supervisor's, never answers 5xx and
never answers outside the schema (status code, content type, body)."""

from __future__ import annotations

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.models import StaffRole
from tests.factories import make_shop, make_staff
from tests.tenants.test_api import bearer, token_for

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 4  # per operation and generation mode: the whole run stays well under a minute


def test_every_operation_answers_inside_its_schema(app: Flask) -> None:
    shop = make_shop(app, "alpha")
    make_shop(app, "beta")
    supervisor = make_staff(app, StaffRole.SUPERVISOR)
    tokens = [token_for(app, shop["email"], "alpha"), token_for(app, supervisor["email"])]
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES * 2,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def called(case: schemathesis.Case) -> None:
            for token in tokens:
                case.call_and_validate(headers=bearer(token), checks=CHECKS)

        try:
            called()
        except (
            Exception,
            BaseExceptionGroup,
        ) as failure:  # every operation's failures, reported together
            problems.append(f"{operation.label}: {failure}")
    assert not problems, "\n\n".join(problems)
