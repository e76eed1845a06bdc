"""The OpenAPI document: FastAPI's, made self-explaining.

`install(app)` replaces `app.openapi` with a builder that takes FastAPI's
document and adds:

- every operation's summary and description in Chinese and English
  (`api.openapi_operations`);
- a response for every error status an operation can return, each listing its
  problem `code`s with an example (`application/problem+json`, the `Problem`
  schema), in place of FastAPI's 422 schema, which the API never sends;
- every field's and parameter's description and example (`api.openapi_fields`),
  a pattern on every money string, and an example request body of each
  operation built from its fields' examples;
- the bearer scheme comes from `api.deps.BEARER`.

The document is built once per app, on first use.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.openapi_fields import field_text
from api.openapi_operations import TAGS, operation_text
from api.problem_language import TITLES
from api.problems import MEDIA_TYPE, PROBLEMS
from api.schemas import AMOUNT_OUT_PATTERN

_CJK = re.compile(r"[\u4e00-\u9fff]")
MONEY_FIELDS = frozenset({"amount", "balance", "held", "available", "total", "paid", "refund"})
STATUS_OF = {code: status for status, code, _title in PROBLEMS.values()}
STATUS_OF.update({"method_not_allowed": 405})
DESCRIPTION = (
    "社区发展基金会的请款、审批、冻结、支付、下拨与资助，记入 Beancount 账簿。"
    '令牌用 `fundbook token create` 生成，点击 Authorize 填入。金额是字符串（如 "1234.50"）。'
    "错误为 RFC 9457 `application/problem+json`，`code` 稳定；`Accept-Language: en` 返回英文，默认中文。\n\n"
    "Disbursement requests, approvals, holds, payments, allocations and grants of a district "
    "community development foundation, booked in its Beancount book. Tokens come from "
    '`fundbook token create`; enter one with Authorize. Amounts are strings ("1234.50"). '
    "Errors are RFC 9457 `application/problem+json` with a stable `code`, in Chinese by "
    "default and in English with `Accept-Language: en`."
)
PARAMETERS: dict[str, tuple[str, str, Any]] = {
    "Idempotency-Key": (
        "幂等键：同一键、同一内容返回第一次的响应；内容不同为 409",
        "Same key and body returns the first response again; another body is a 409",
        "req-2026-0001",
    ),
    "limit": ("每页条数", "Page size", 100),
    "offset": ("跳过的条数", "Items to skip", 0),
    "from": ("起始日期（含）", "First day (inclusive)", "2026-01-01"),
    "to": ("截止日期（含）", "Last day (inclusive)", "2026-12-31"),
    "format": ("格式", "Format", "json"),
    "lang": ("语言", "Language", "zh"),
    "name": ("报表名称", "Name of the report", "balance-sheet"),
    "number": ("分期序号", "Number of the tranche", 1),
    "token_id": ("令牌编号", "The token's id", 3),
    "person": ("只看此人的记录", "Only this person's uses", "张敏"),
    "awaiting": (
        "me：只列出等待调用者本人现在决定的（待办）",
        "me: only what waits for the caller's own decision now (an inbox)",
        "me",
    ),
    "created_from": (
        "首次提交日期起（含，基金会当地日期）",
        "Submitted on or after this day (local)",
        "2026-01-01",
    ),
    "created_to": (
        "首次提交日期止（含，基金会当地日期）",
        "Submitted on or before this day (local)",
        "2026-12-31",
    ),
    "amount_min": ("金额下限（含）", "Lowest amount (inclusive)", "100.00"),
    "amount_max": ("金额上限（含）", "Highest amount (inclusive)", "5000.00"),
    "q": (
        "在编号、收款方、用途、申请人中查找的文字（不区分大小写）",
        "Text looked for in the code, payee, purpose and requester (case-insensitive)",
        "慰问",
    ),
}
PATH_IDS = {
    "/v1/funds/": "MF-ST01C01",
    "/v1/disbursements/": "R000001",
    "/v1/pledges/": "P000001",
    "/v1/allocations/": "A000001",
    "/v1/grants/": "G000001",
    "/v1/sources/": "D01",
}


# Operations whose path example is another resource than the prefix's: each
# example names a resource in the state the operation needs (see the replay test).
OPERATION_IDS = {
    "/v1/disbursements/{code}/resubmit": "R000002",
    "/v1/disbursements/{code}/cancel": "R000002",
    "/v1/disbursements/{code}/void": "R000003",
    "/v1/allocations/{code}/cancel": "A000002",
    "/v1/grants/{code}/cancel": "G000002",
    "/v1/contributions/{code}/documents": "C000001",
}


def _enum_of(schema: dict[str, Any]) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    for option in schema.get("anyOf", []):
        if "enum" in option:
            return list(option["enum"])
    return None


def _problem_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "title": "Problem",
        "description": "RFC 9457 问题详情 / problem details; `code` 稳定 / is stable",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {
                "type": "string",
                "description": "问题类型的 URI / URI of the problem type",
                "example": "https://fundbook.example/problems/insufficient_funds",
            },
            "title": {
                "type": "string",
                "description": "简短标题，随 Accept-Language / short title, in the requested language",
                "example": "余额不足",
            },
            "status": {"type": "integer", "description": "HTTP 状态 / HTTP status", "example": 409},
            "detail": {
                "type": "string",
                "description": "具体说明，随 Accept-Language / what happened, in the requested language",
                "example": "基金 MF-ST01C01 可用余额 100.00，申请金额 800.00",
            },
            "code": {
                "type": "string",
                "enum": sorted(STATUS_OF),
                "description": "稳定的机器代码 / stable machine code",
                "example": "insufficient_funds",
            },
        },
    }


def _problem_example(code: str) -> dict[str, Any]:
    zh, _en, intro = TITLES[code]
    return {
        "summary": f"{code}: {TITLES[code][1]}",
        "value": {
            "type": f"https://fundbook.example/problems/{code}",
            "title": zh,
            "status": STATUS_OF[code],
            "detail": intro,
            "code": code,
        },
    }


def _error_responses(codes: list[str]) -> dict[str, Any]:
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(STATUS_OF[code], []).append(code)
    responses: dict[str, Any] = {}
    for status, found in sorted(by_status.items()):
        lines = [f"`{code}`: {TITLES[code][0]} / {TITLES[code][1]}" for code in found]
        responses[str(status)] = {
            "description": "; ".join(lines),
            "content": {
                MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "examples": {code: _problem_example(code) for code in found},
                }
            },
        }
    return responses


def _describe_parameter(param: dict[str, Any], path: str) -> None:
    name = param["name"]
    text = PARAMETERS.get(name) or field_text("", name)
    if param["in"] == "path" and name not in PARAMETERS:
        example = OPERATION_IDS.get(path) or next(
            (v for prefix, v in PATH_IDS.items() if path.startswith(prefix)), None
        )
        zh, en = ("编号或代码", "Identifier or code")
        if text is not None:
            zh, en = text[0], text[1]
        text = (zh, en, example)
    if text is None:
        return
    param.setdefault("description", f"{text[0]} / {text[1]}")
    example = text[2]
    allowed = _enum_of(param.get("schema", {}))
    if allowed and example not in allowed:
        example = allowed[0]
    if example is not None:
        param.setdefault("example", example)


def _describe_schema(name: str, schema: dict[str, Any]) -> None:
    for field, prop in schema.get("properties", {}).items():
        text = field_text(name, field)
        if text is not None:
            own = prop.get("description")
            if own is None:
                prop["description"] = f"{text[0]} / {text[1]}"
            elif not _CJK.search(own):
                prop["description"] = f"{text[0]} / {own}"
            if "example" not in prop and "examples" not in prop:
                allowed = _enum_of(prop)
                example = text[2]
                prop["example"] = (
                    allowed[0]
                    if allowed and example is not None and example not in allowed
                    else example
                )
        if field in MONEY_FIELDS and prop.get("type") == "string":
            prop.setdefault("pattern", AMOUNT_OUT_PATTERN)


def _example_of(schemas: dict[str, Any], ref: str) -> dict[str, Any]:
    name = ref.rsplit("/", 1)[-1]
    example: dict[str, Any] = {}
    for field, prop in schemas[name].get("properties", {}).items():
        inner = prop.get("$ref") or next(
            (p["$ref"] for p in prop.get("anyOf", []) if "$ref" in p), None
        )
        items = prop.get("items", {}).get("$ref")
        if inner:
            example[field] = _example_of(schemas, inner)
        elif items and field == "tranches":
            example[field] = [_example_of(schemas, items)]
        elif prop.get("example") is not None:
            example[field] = prop["example"]
        elif prop.get("examples"):
            example[field] = prop["examples"][0]
    return example


def build(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of `app`, described."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=DESCRIPTION,
        routes=app.routes,
    )
    used = [
        tag
        for item in schema.get("paths", {}).values()
        for op in item.values()
        for tag in op.get("tags", [])
    ]
    schema["tags"] = [
        {"name": tag, "description": TAGS.get(tag, tag)} for tag in dict.fromkeys(used)
    ]
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = _problem_schema()
    for name, component in schemas.items():
        _describe_schema(name, component)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            text = operation_text(method, path)
            if text is not None:
                operation["summary"] = f"{text.summary_zh} · {text.summary_en}"
                operation["description"] = f"{text.zh}\n\n{text.en}"
            codes = list(text.problems) if text is not None else []
            if operation.get("security"):
                codes.insert(0, "unauthenticated")
            body = operation.get("requestBody")
            if operation.get("parameters") or body:
                codes.append("validation_error")
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            responses.update(_error_responses(list(dict.fromkeys(codes))))
            for param in operation.get("parameters", []):
                _describe_parameter(param, path)
            if body:
                content = body.get("content", {}).get("application/json", {})
                shape = content.get("schema", {})
                ref = shape.get("$ref") or next(
                    (p["$ref"] for p in shape.get("anyOf", []) if "$ref" in p), None
                )
                if ref:
                    content.setdefault("example", _example_of(schemas, ref))
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    """Serve the described document at /openapi.json (built on first use)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
