"""The shape every report takes before rendering: sections of tables and charts.

Report modules compute their figures as frozen dataclasses and lay them out as
a `Section`; the renderers (JSON, HTML, PDF, XLSX) only know this shape. A
cell is text, a `Decimal` (money or ratio, by the column's kind) or None.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

Cell = str | Decimal | int | None
ColumnKind = Literal["text", "money", "percent", "count"]
RowStyle = Literal["", "total", "subtotal", "heading"]


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    style: RowStyle = ""


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    note: str = ""
    header: str = ""  # above the table: form number, 编制单位, date, 单位：元
    footer: str = ""  # below it: the signature and seal block


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[Decimal, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart for HTML: a line over time, or horizontal bars."""

    key: str
    title: str
    kind: Literal["line", "bar"]
    labels: tuple[str, ...]
    series: tuple[Series, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """One report: its title, tables, charts, notes and its figures as plain data."""

    key: str
    title: str
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()
    data: Any = None


@dataclass(frozen=True, slots=True)
class Document:
    """What a renderer renders: one report, or the audit pack with its cover."""

    name: str
    title: str
    entity: str
    period_start: datetime.date
    period_end: datetime.date
    fund: str | None
    lang: str
    generated_at: datetime.datetime
    sections: tuple[Section, ...]
    cover: bool = False
    meta: Mapping[str, str] = field(default_factory=dict)
