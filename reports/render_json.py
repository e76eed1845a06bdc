"""JSON rendering: each section's figures (money as strings, "1234.50") and its tables."""

from __future__ import annotations

import dataclasses
import datetime
import json
from decimal import Decimal
from typing import Any

from reports.document import Document, Section, Table


def _default(value: object) -> Any:
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def table_json(table: Table) -> dict[str, Any]:
    return {
        "key": table.key,
        "title": table.title,
        "note": table.note,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
        "rows": [{"style": row.style, "cells": list(row.cells)} for row in table.rows],
    }


def section_json(section: Section) -> dict[str, Any]:
    data = section.data
    if dataclasses.is_dataclass(data) and not isinstance(data, type):
        data = dataclasses.asdict(data)
    return {
        "key": section.key,
        "title": section.title,
        "notes": list(section.notes),
        "data": data,
        "tables": [table_json(t) for t in section.tables],
    }


def document_json(document: Document) -> dict[str, Any]:
    return {
        "report": document.name,
        "title": document.title,
        "entity": document.entity,
        "from": document.period_start,
        "to": document.period_end,
        "fund": document.fund,
        "lang": document.lang,
        "generated_at": document.generated_at,
        "sections": [section_json(s) for s in document.sections],
    }


def render_json(document: Document) -> bytes:
    return json.dumps(
        document_json(document), default=_default, ensure_ascii=False, indent=1
    ).encode("utf-8")
