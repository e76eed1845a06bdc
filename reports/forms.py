"""The statutory forms 会民非01表 and 会民非02表: lines, 行次, headers and signature blocks.

The figures come from `reports.statements`; this module only lays them out
on the lines of 民间非营利组织会计制度 (2004) and its forms:

- 会民非01表 资产负债表: assets on the left, liabilities and net assets on the
  right, each with 行次, 年初数 (the period's opening) and 期末数. A chart
  account goes to its line by its code (Open metadata `code`): 1001/1002/1009
  货币资金 (one line; the banks are in the notes), 11xx 应收款项 (1101 短期投资),
  1141 预付账款, 12xx 存货, 1301 待摊费用, 14xx 长期投资, 15xx 固定资产,
  1601 无形资产, 1801 受托代理资产; 2101 短期借款, 22xx 应付款项 (2204 应付工资,
  2206 应交税金), 2301 预收账款, 2401 预提费用, 2402 预计负债, 25xx 长期负债,
  2601 受托代理负债. Any other asset is 其他流动资产, any other liability
  其他流动负债.
- 会民非02表 业务活动表: every line of the form with its 行次, 本年数 and 上年数
  (the same span one year earlier), each in 非限定性 / 限定性 / 合计.

Statements of 2026 and later fall under the revised system (财会〔2024〕25号,
in force 2026-01-01); the notes say which lines were mapped unchanged and
that they are not yet confirmed against the revised form.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from decimal import Decimal

from reports.book import ZERO, Period
from reports.charts import spending_chart
from reports.context import ReportContext
from reports.document import Cell, Column, Row, Section, Table
from reports.statements import Activities, BalanceSheet, activities, balance_sheet

REVISION_YEAR = 2026
SIGNATURES_ZH = "单位负责人：__________    主管会计工作负责人：__________    会计机构负责人：__________    （单位盖章）"
SIGNATURES_EN = (
    "Head of the organization: ________    Head of accounting work: ________    "
    "Head of the accounting office: ________    (seal)"
)


@dataclass(frozen=True, slots=True)
class FormLine:
    row: int
    name_zh: str
    name_en: str
    style: str = ""  # "heading", "subtotal", "total"


ASSET_LINES = (
    FormLine(0, "流动资产：", "Current assets:", "heading"),
    FormLine(1, "货币资金", "Cash and bank deposits"),
    FormLine(2, "短期投资", "Short-term investments"),
    FormLine(3, "应收款项", "Receivables"),
    FormLine(4, "预付账款", "Prepayments"),
    FormLine(8, "存货", "Inventories"),
    FormLine(9, "待摊费用", "Deferred expenses"),
    FormLine(15, "一年内到期的长期债权投资", "Long-term debt investments due within a year"),
    FormLine(18, "其他流动资产", "Other current assets"),
    FormLine(20, "流动资产合计", "Total current assets", "subtotal"),
    FormLine(0, "长期投资：", "Long-term investments:", "heading"),
    FormLine(21, "长期股权投资", "Long-term equity investments"),
    FormLine(24, "长期债权投资", "Long-term debt investments"),
    FormLine(30, "长期投资合计", "Total long-term investments", "subtotal"),
    FormLine(0, "固定资产：", "Fixed assets:", "heading"),
    FormLine(31, "固定资产原价", "Fixed assets at cost"),
    FormLine(32, "减：累计折旧", "Less: accumulated depreciation"),
    FormLine(33, "固定资产净值", "Fixed assets, net"),
    FormLine(34, "在建工程", "Construction in progress"),
    FormLine(35, "文物文化资产", "Cultural relics"),
    FormLine(38, "固定资产清理", "Fixed assets in disposal"),
    FormLine(40, "固定资产合计", "Total fixed assets", "subtotal"),
    FormLine(0, "无形资产：", "Intangible assets:", "heading"),
    FormLine(41, "无形资产", "Intangible assets"),
    FormLine(0, "受托代理资产：", "Assets held as agent:", "heading"),
    FormLine(51, "受托代理资产", "Assets held as agent"),
    FormLine(60, "资产总计", "Total assets", "total"),
)
LIABILITY_LINES = (
    FormLine(0, "流动负债：", "Current liabilities:", "heading"),
    FormLine(61, "短期借款", "Short-term borrowings"),
    FormLine(62, "应付款项", "Payables"),
    FormLine(63, "应付工资", "Wages payable"),
    FormLine(65, "应交税金", "Taxes payable"),
    FormLine(66, "预收账款", "Receipts in advance"),
    FormLine(71, "预提费用", "Accrued expenses"),
    FormLine(72, "预计负债", "Provisions"),
    FormLine(74, "一年内到期的长期负债", "Long-term liabilities due within a year"),
    FormLine(78, "其他流动负债", "Other current liabilities"),
    FormLine(80, "流动负债合计", "Total current liabilities", "subtotal"),
    FormLine(0, "长期负债：", "Long-term liabilities:", "heading"),
    FormLine(81, "长期借款", "Long-term borrowings"),
    FormLine(84, "长期应付款", "Long-term payables"),
    FormLine(88, "其他长期负债", "Other long-term liabilities"),
    FormLine(90, "长期负债合计", "Total long-term liabilities", "subtotal"),
    FormLine(0, "受托代理负债：", "Liabilities held as agent:", "heading"),
    FormLine(91, "受托代理负债", "Liabilities held as agent"),
    FormLine(100, "负债合计", "Total liabilities", "subtotal"),
    FormLine(0, "净资产：", "Net assets:", "heading"),
    FormLine(101, "非限定性净资产", "Unrestricted net assets"),
    FormLine(105, "限定性净资产", "Restricted net assets"),
    FormLine(110, "净资产合计", "Total net assets", "subtotal"),
    FormLine(120, "负债和净资产总计", "Total liabilities and net assets", "total"),
)
_SUBTOTALS = {
    20: (1, 2, 3, 4, 8, 9, 15, 18),
    30: (21, 24),
    33: (31, 32),
    40: (33, 34, 35, 38),
    60: (20, 30, 40, 41, 51),
    80: (61, 62, 63, 65, 66, 71, 72, 74, 78),
    90: (81, 84, 88),
    100: (80, 90, 91),
    110: (101, 105),
    120: (100, 110),
}
# (code prefix, row), the longest prefix first.
_ASSET_CODES = (
    ("1001", 1), ("1002", 1), ("1009", 1), ("1101", 2), ("1141", 4), ("11", 3), ("12", 8),
    ("1301", 9), ("1401", 21), ("1402", 24), ("1501", 31), ("1502", 32), ("1505", 34),
    ("1506", 35), ("1509", 38), ("1601", 41), ("1801", 51),
)  # fmt: skip
_LIABILITY_CODES = (
    ("2101", 61), ("2204", 63), ("2206", 65), ("22", 62), ("2301", 66), ("2401", 71),
    ("2402", 72), ("2501", 81), ("2502", 84), ("2601", 91),
)  # fmt: skip


def asset_row(code: str) -> int:
    for prefix, row in sorted(_ASSET_CODES, key=lambda x: -len(x[0])):
        if code.startswith(prefix):
            return row
    return 18


def liability_row(code: str) -> int:
    for prefix, row in sorted(_LIABILITY_CODES, key=lambda x: -len(x[0])):
        if code.startswith(prefix):
            return row
    return 78


def _with_subtotals(
    values: dict[int, tuple[Decimal, Decimal]],
) -> dict[int, tuple[Decimal, Decimal]]:
    for total, parts in _SUBTOTALS.items():  # in order: each subtotal's parts come first
        o = sum((values.get(p, (ZERO, ZERO))[0] for p in parts), ZERO)
        c = sum((values.get(p, (ZERO, ZERO))[1] for p in parts), ZERO)
        if total == 33:
            o = values.get(31, (ZERO, ZERO))[0] - values.get(32, (ZERO, ZERO))[0]
            c = values.get(31, (ZERO, ZERO))[1] - values.get(32, (ZERO, ZERO))[1]
        values[total] = (o, c)
    return values


def balance_sheet_rows(bs: BalanceSheet) -> dict[int, tuple[Decimal, Decimal]]:
    """行次 -> (年初数, 期末数) of 会民非01表."""
    values: dict[int, tuple[Decimal, Decimal]] = {}

    def add(row: int, opening: Decimal, closing: Decimal) -> None:
        o, c = values.get(row, (ZERO, ZERO))
        values[row] = (o + opening, c + closing)

    for line in bs.assets:
        row = asset_row(line.code)
        sign = -1 if row == 32 else 1  # accumulated depreciation is printed positive
        add(row, sign * line.opening, sign * line.closing)
    for line in bs.liabilities:
        add(liability_row(line.code), line.opening, line.closing)
    add(101, bs.net_unrestricted.opening, bs.net_unrestricted.closing)
    add(105, bs.net_restricted.opening, bs.net_restricted.closing)
    return _with_subtotals(values)


def period_text(ctx: ReportContext) -> str:
    start, end = ctx.period.start, ctx.period.end
    if start == datetime.date(end.year, 1, 1) and end == datetime.date(end.year, 12, 31):
        return f"{end.year}年度" if ctx.lang == "zh" else f"Year {end.year}"
    if ctx.lang == "zh":
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"
    return f"{start.isoformat()} to {end.isoformat()}"


def header(ctx: ReportContext, form: str, when: str) -> str:
    entity = str(ctx.view.options.get("title") or "")
    if ctx.fund is not None:
        entity = f"{entity}（{ctx.fund} {ctx.fund_name(ctx.fund)}）"
    if ctx.lang == "zh":
        return f"{form}\n编制单位：{entity}    {when}    单位：元"
    return f"{form}\nPrepared by: {entity}    {when}    Unit: yuan (CNY)"


def signatures(lang: str) -> str:
    return SIGNATURES_ZH if lang == "zh" else SIGNATURES_EN


def balance_sheet_table(ctx: ReportContext, bs: BalanceSheet) -> Table:
    values = balance_sheet_rows(bs)
    zh = ctx.lang == "zh"

    def cells(line: FormLine | None) -> tuple[Cell, ...]:
        if line is None:
            return ("", "", None, None)
        name = line.name_zh if zh else line.name_en
        if line.row == 0:
            return (name, "", None, None)
        o, c = values.get(line.row, (ZERO, ZERO))
        return (name, str(line.row), o, c)

    rows = []
    for i in range(max(len(ASSET_LINES), len(LIABILITY_LINES))):
        left = ASSET_LINES[i] if i < len(ASSET_LINES) else None
        right = LIABILITY_LINES[i] if i < len(LIABILITY_LINES) else None
        style = next((x.style for x in (left, right) if x is not None and x.style == "total"), "")
        rows.append(Row((*cells(left), *cells(right)), style))  # type: ignore[arg-type]
    end = ctx.period.end
    when = f"{end.year}年{end.month}月{end.day}日" if zh else end.isoformat()
    columns = (
        Column("asset", "资产" if zh else "Assets"),
        Column("asset_row", "行次" if zh else "Line"),
        Column("asset_opening", "年初数" if zh else "Opening", "money"),
        Column("asset_closing", "期末数" if zh else "Closing", "money"),
        Column("liability", "负债和净资产" if zh else "Liabilities and net assets"),
        Column("liability_row", "行次" if zh else "Line"),
        Column("liability_opening", "年初数" if zh else "Opening", "money"),
        Column("liability_closing", "期末数" if zh else "Closing", "money"),
    )
    return Table(
        "balance_sheet",
        ctx.t("balance-sheet"),
        columns,
        tuple(rows),
        note=revision_note(ctx),
        header=header(ctx, "会民非01表", when),
        footer=signatures(ctx.lang),
    )


ACTIVITY_LINES = (
    FormLine(0, "一、收入", "I. Income", "heading"),
    FormLine(1, "其中：捐赠收入", "of which: donations"),
    FormLine(2, "会费收入", "membership dues"),
    FormLine(3, "提供服务收入", "service revenue"),
    FormLine(4, "商品销售收入", "sales of goods"),
    FormLine(5, "政府补助收入", "government subsidies"),
    FormLine(6, "投资收益", "investment income"),
    FormLine(9, "其他收入", "other income"),
    FormLine(11, "收入合计", "Total income", "subtotal"),
    FormLine(0, "二、费用", "II. Expenses", "heading"),
    FormLine(12, "（一）业务活动成本", "(1) Program costs"),
    FormLine(21, "（二）管理费用", "(2) Management expenses"),
    FormLine(24, "（三）筹资费用", "(3) Fundraising costs"),
    FormLine(28, "（四）其他费用", "(4) Other expenses"),
    FormLine(31, "费用合计", "Total expenses", "subtotal"),
    FormLine(40, "三、限定性净资产转为非限定性净资产", "III. Net assets released from restriction"),
    FormLine(
        45,
        "四、净资产变动额（若为净资产减少额，以“-”号填列）",
        "IV. Change in net assets (a decrease with “-”)",
        "total",
    ),
)
_INCOME_ROWS = {"4101": 1, "4201": 2, "4301": 3, "4401": 5, "4501": 4, "4601": 6}
_EXPENSE_ROWS = {"5101": 12, "5201": 21, "5301": 24, "5401": 28}
Triple = tuple[Decimal, Decimal, Decimal]


def activity_rows(act: Activities) -> dict[int, Triple]:
    """行次 -> (非限定性, 限定性, 合计) of 会民非02表."""
    values: dict[int, Triple] = {}

    def add(row: int, u: Decimal, r: Decimal) -> None:
        ou, orr, _ = values.get(row, (ZERO, ZERO, ZERO))
        values[row] = (ou + u, orr + r, ou + u + orr + r)

    for line in act.income:
        add(_INCOME_ROWS.get(line.code, 9), line.unrestricted, line.restricted)
    for line in act.expenses:
        add(_EXPENSE_ROWS.get(line.code, 28), line.unrestricted, line.restricted)
    add(11, act.income_total.unrestricted, act.income_total.restricted)
    add(31, act.expense_total.unrestricted, act.expense_total.restricted)
    add(40, act.release.unrestricted, act.release.restricted)
    add(45, act.change.unrestricted, act.change.restricted)
    return values


def activities_table(ctx: ReportContext, act: Activities, prior: Activities) -> Table:
    zh = ctx.lang == "zh"
    now, before = activity_rows(act), activity_rows(prior)
    empty = (ZERO, ZERO, ZERO)
    rows = []
    for line in ACTIVITY_LINES:
        name = line.name_zh if zh else line.name_en
        if line.row == 0:
            rows.append(Row((name, "", None, None, None, None, None, None), "heading"))
            continue
        rows.append(
            Row(
                (name, str(line.row), *now.get(line.row, empty), *before.get(line.row, empty)),
                line.style,  # type: ignore[arg-type]
            )
        )
    extra = [
        (("基金间划转（基金内部，非报表项目）", "Interfund transfers (within the fund, not a line of the form)"), act.interfund),
        (("其他净资产变动（非报表项目）", "Other changes in net assets (not a line of the form)"), act.other),
    ]  # fmt: skip
    for (name_zh, name_en), line_ in extra:
        if line_.unrestricted or line_.restricted:
            rows.append(
                Row(
                    (
                        name_zh if zh else name_en,
                        "",
                        line_.unrestricted,
                        line_.restricted,
                        line_.total,
                        None,
                        None,
                        None,
                    )
                )
            )
    u, r, total = ("非限定性", "限定性", "合计") if zh else ("Unrestricted", "Restricted", "Total")
    this, last = ("本年数", "上年数") if zh else ("This year", "Prior year")
    columns = (
        Column("item", "项目" if zh else "Item"),
        Column("row", "行次" if zh else "Line"),
        Column("unrestricted", f"{this} {u}", "money"),
        Column("restricted", f"{this} {r}", "money"),
        Column("total", f"{this} {total}", "money"),
        Column("prior_unrestricted", f"{last} {u}", "money"),
        Column("prior_restricted", f"{last} {r}", "money"),
        Column("prior_total", f"{last} {total}", "money"),
    )
    return Table(
        "activities",
        ctx.t("activities"),
        columns,
        tuple(rows),
        note=revision_note(ctx),
        header=header(ctx, "会民非02表", period_text(ctx)),
        footer=signatures(ctx.lang),
    )


def revision_note(ctx: ReportContext) -> str:
    if ctx.period.end.year < REVISION_YEAR:
        return ""
    if ctx.lang == "zh":
        return (
            "2026年1月1日起执行修订后的《民间非营利组织会计制度》（财会〔2024〕25号）。"
            "本表项目按账簿科目代码沿用原表行次列示，尚未与修订后的报表格式逐行核对确认。"
        )
    return (
        "The revised accounting system for non-profit organizations (Cai Kuai [2024] No. 25) "
        "applies from 2026-01-01. The lines follow the book's account codes on the former "
        "form's line numbers and are not yet confirmed line by line against the revised form."
    )


def prior_period(ctx: ReportContext) -> ReportContext:
    """The same span one year earlier (上年数)."""

    def back(day: datetime.date) -> datetime.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)

    return dataclasses.replace(ctx, period=Period(back(ctx.period.start), back(ctx.period.end)))


def balance_sheet_section(ctx: ReportContext) -> Section:
    bs = balance_sheet(ctx)
    table = balance_sheet_table(ctx, bs)
    return Section("balance-sheet", ctx.t("balance-sheet"), (table,), data=bs)


def activities_section(ctx: ReportContext) -> Section:
    act = activities(ctx)
    prior = activities(prior_period(ctx))
    table = activities_table(ctx, act, prior)
    chart = spending_chart(
        ctx, [(x.name_zh if ctx.lang == "zh" else x.name_en, x.total) for x in act.expenses]
    )
    return Section("activities", ctx.t("activities"), (table,), charts=(chart,), data=act)
