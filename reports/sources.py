"""资金来源追溯: where each department's money in the pools went, from the book alone.

Per contributing department over the period:

- contributed: income booked into a pool (guarantee or incentive) by entries
  whose `department` metadata names it;
- allocated: its `src_<DEPT>` parts of allocation transfers (`#interfund`
  from a pool into an allocation fund);
- paid out: its `src_<DEPT>` parts of payments from allocation funds (see
  `reports.registers.is_payment`).

A second table gives the same per allocation fund. With a department scope
(the API's department role) only that department's rows are shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from funds.model import POOL_KINDS, FundKind
from ledger.entries import INTERFUND_TAG
from reports.book import ZERO, is_close, posting_number
from reports.context import ReportContext
from reports.document import Chart, Column, Row, Section, Series, Table
from reports.registers import is_payment

SRC_PREFIX = "src_"


@dataclass(frozen=True, slots=True)
class DepartmentSources:
    department: str
    name_zh: str
    name_en: str
    contributed: Decimal
    allocated: Decimal
    paid_out: Decimal


@dataclass(frozen=True, slots=True)
class FundSource:
    fund: str
    department: str
    allocated: Decimal
    paid_out: Decimal


@dataclass(frozen=True, slots=True)
class SourceTracing:
    departments: tuple[DepartmentSources, ...]
    by_fund: tuple[FundSource, ...]
    contributed_total: Decimal
    allocated_total: Decimal
    paid_out_total: Decimal


def src_parts(meta: dict[str, object]) -> dict[str, Decimal]:
    parts = {}
    for key, value in meta.items():
        if key.startswith(SRC_PREFIX) and isinstance(value, str):
            try:
                parts[key.removeprefix(SRC_PREFIX)] = Decimal(value)
            except ArithmeticError:
                continue
    return parts


def source_tracing(ctx: ReportContext) -> SourceTracing:
    view, period = ctx.view, ctx.period
    funds = view.registry.funds
    pools = {code for code, f in funds.items() if f.kind in POOL_KINDS}
    allocations = {code for code, f in funds.items() if f.kind is FundKind.ALLOCATION}
    if ctx.fund is not None:
        pools &= {ctx.fund}
        allocations &= {ctx.fund}
    contributed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    allocated: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    paid: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for txn in view.transactions:
        if txn.date not in period or is_close(txn):
            continue
        meta = txn.meta or {}
        fund = str(meta.get("fund", ""))
        department = meta.get("department")
        if isinstance(department, str) and fund in pools:
            contributed[department] -= sum(
                (
                    posting_number(p)
                    for p in txn.postings
                    if p.account.startswith("Income:") and p.account.endswith(":" + fund)
                ),
                ZERO,
            )
        parts = src_parts(meta)
        if not parts:
            continue
        target = str(meta.get("target_fund", ""))
        if INTERFUND_TAG in (txn.tags or ()) and target in allocations:
            for dept, value in parts.items():
                allocated[(target, dept)] += value
        elif fund in allocations and is_payment(ctx, txn):
            for dept, value in parts.items():
                paid[(fund, dept)] += value
    departments = sorted(set(contributed) | {d for _, d in allocated} | {d for _, d in paid})
    if ctx.department is not None:
        departments = [d for d in departments if d == ctx.department]
    rows = []
    for dept in departments:
        org = view.registry.orgs.get(dept)
        rows.append(
            DepartmentSources(
                dept,
                org.name_zh if org else dept,
                org.name if org else dept,
                contributed.get(dept, ZERO),
                sum((v for (_, d), v in allocated.items() if d == dept), ZERO),
                sum((v for (_, d), v in paid.items() if d == dept), ZERO),
            )
        )
    keys = sorted(k for k in set(allocated) | set(paid) if k[1] in departments)
    by_fund = tuple(
        FundSource(f, d, allocated.get((f, d), ZERO), paid.get((f, d), ZERO)) for f, d in keys
    )
    return SourceTracing(
        tuple(rows),
        by_fund,
        sum((r.contributed for r in rows), ZERO),
        sum((r.allocated for r in rows), ZERO),
        sum((r.paid_out for r in rows), ZERO),
    )


def sources_section(ctx: ReportContext) -> Section:
    st = source_tracing(ctx)
    t = ctx.t
    zh = ctx.lang == "zh"
    columns = (
        Column("department", t("code")),
        Column("name", t("department")),
        Column("contributed", t("contributed"), "money"),
        Column("allocated", t("allocated"), "money"),
        Column("paid_out", t("paid_out"), "money"),
    )
    rows = [
        Row((d.department, d.name_zh if zh else d.name_en, d.contributed, d.allocated, d.paid_out))
        for d in st.departments
    ]
    rows.append(
        Row(("", t("total"), st.contributed_total, st.allocated_total, st.paid_out_total), "total")
    )
    main = Table("sources", t("sources"), columns, tuple(rows))
    by_fund = Table(
        "sources_by_fund",
        t("sources_by_fund"),
        (
            Column("fund", t("fund")),
            Column("department", t("department")),
            Column("allocated", t("allocated"), "money"),
            Column("paid_out", t("paid_out"), "money"),
        ),
        tuple(
            Row((s.fund, ctx.org_name(s.department), s.allocated, s.paid_out)) for s in st.by_fund
        ),
    )
    chart = Chart(
        "sources_paid",
        t("paid_out"),
        "bar",
        tuple(d.name_zh if zh else d.name_en for d in st.departments),
        (Series(t("paid_out"), tuple(d.paid_out for d in st.departments)),),
    )
    return Section("sources", t("sources"), (main, by_fund), charts=(chart,), data=st)
