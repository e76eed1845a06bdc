"""The OpenAPI document validates and explains itself: every operation, parameter and field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from openapi_spec_validator import validate

from api.app import create_app
from api.problems import MEDIA_TYPE
from api.schemas import AMOUNT_PATTERN
from api.settings import Settings
from funds.money import InvalidAmount, parse_amount
from tests.api.serving import small_book, token

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = small_book(tmp_path_factory.mktemp("openapi") / "home", {"MF-ST01C01": Decimal("1")})
    token(home, f"sqlite:///{home}/fundbook.db", "admin")
    with TestClient(create_app(Settings(home=home))) as client:
        yield client.get("/openapi.json").json()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_bearer_auth_is_declared_and_required_where_a_token_is(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for method, path, operation in operations(document):
        public = path == "/healthz" or path.startswith("/public/")
        assert bool(operation.get("security")) is not public, (method, path)


def test_every_operation_has_a_summary_and_description_in_chinese_and_english(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        where = f"{method.upper()} {path}: add it to api/openapi_operations.py"
        summary_zh, _, summary_en = operation["summary"].partition(" · ")
        assert CJK.search(summary_zh) and LATIN.search(summary_en), where
        zh, _, en = operation["description"].partition("\n\n")
        assert CJK.search(zh) and LATIN.search(en) and not CJK.search(en), where


def test_every_field_and_parameter_has_a_description_and_an_example(
    document: dict[str, Any],
) -> None:
    for name, schema in document["components"]["schemas"].items():
        for field, prop in schema.get("properties", {}).items():
            where = f"{name}.{field}: add it to api/openapi_fields.py"
            assert prop.get("description"), where
            assert "example" in prop or prop.get("examples"), where
    for method, path, operation in operations(document):
        for param in operation.get("parameters", []):
            where = f"{method.upper()} {path} parameter {param['name']}"
            assert param.get("description") and "example" in param, where


def test_every_error_response_is_a_problem_naming_its_codes(document: dict[str, Any]) -> None:
    codes = set(document["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
    for method, path, operation in operations(document):
        errors = {s: r for s, r in operation["responses"].items() if s >= "400"}
        if operation.get("security"):
            assert "401" in errors, (method, path)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in errors, (method, path)
        for status, response in errors.items():
            content = response["content"][MEDIA_TYPE]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
            for code, example in content["examples"].items():
                assert code in codes and f"`{code}`" in response["description"]
                assert example["value"]["status"] == int(status)
                assert example["value"]["code"] == code
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_amounts_are_strings_with_a_pattern(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("RequestCreate", "ContributionCreate", "AllocationCreate", "TrancheCreate"):
        amount = schemas[name]["properties"]["amount"]
        assert (amount["type"], amount["pattern"]) == ("string", AMOUNT_PATTERN), name
    change = schemas["RequestChange"]["properties"]["amount"]["anyOf"]
    assert {"type": "string", "pattern": AMOUNT_PATTERN}.items() <= change[0].items()
    for name in ("FundPublic", "RequestPublic"):
        for field in ("balance", "held", "available", "amount"):
            prop = schemas[name]["properties"].get(field)
            if prop is not None:
                assert prop["type"] == "string" and prop["pattern"], (name, field)


def _accepted(text: str) -> bool:
    try:
        parse_amount(text)
    except InvalidAmount:
        return False
    return True


@given(
    st.one_of(
        st.from_regex(r"-?[0-9]{1,18}(\.[0-9]{0,3})?", fullmatch=True),
        st.text(alphabet="0123456789.-+eE ,", max_size=12),
    )
)
def test_the_amount_pattern_accepts_exactly_what_the_service_accepts(text: str) -> None:
    assert bool(re.fullmatch(AMOUNT_PATTERN, text)) == _accepted(text)


def test_every_group_of_operations_is_described_in_both_languages(document: dict[str, Any]) -> None:
    used = {tag for _m, _p, op in operations(document) for tag in op.get("tags", [])}
    described = {tag["name"]: tag["description"] for tag in document["tags"]}
    assert used == set(described)
    for name, text in described.items():
        assert CJK.search(text) and LATIN.search(text), f"tag {name}: add it to TAGS"
