"""报表附注 (notes to the statements) and 银行存款余额调节表, from the book and its registry.

The notes say how the statements were made and what they do not show:

1. 编制基础 and 会计政策: the accounting system, the period, the policies of
   `reports.recognition` and `reports.netassets` with the metadata selecting them;
2. 货币资金: each bank account (the balance sheet prints one line);
3. 限定性净资产: per restricted fund, opening, released in the period, closing,
   and the 非限定性 money (board-designated, interest) it also holds;
4. 承诺事项: grants awarded and not yet due, and 捐赠承诺 (pledges not received);
5. the funds: each fund's net assets at the opening and the end;
6. 业务活动成本 by fund and by project (`project` metadata, on the entry or the
   grant award it links to);
7. 慈善活动支出 (`reports.charityratios`);
8. 关联方: the registry's district, streets and departments, and what each
   department contributed in the period (`department` metadata);
9. 期后事项: what the accountant entered in the book as
   `YYYY-MM-DD custom "fundbook-note" "subsequent_event" "text"` dated after the
   period's end.

The bank reconciliation, per bank account: the book's balance at the end of the
period, the bank statement's balance (the `balance` assertion of the next day,
or the last one before it), the difference, and the entries imported from the
bank and not yet confirmed (flag `!`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from beancount.core import data

from funds.model import OrgKind, Restriction
from reports.book import ZERO, fund_of, parent_account, posting_number
from reports.charityratios import spending
from reports.context import ReportContext
from reports.document import Column, Row, Section, Table
from reports.figures import fund_balance
from reports.forms import REVISION_YEAR, revision_note
from reports.netassets import period_moves, split_at
from reports.recognition import recognize, statement_context

NOTE_DIRECTIVE = "fundbook-note"


def _policies(zh: bool) -> tuple[Row, ...]:
    rows = (
        ("捐赠承诺", "Pledges", "收到时确认收入，未收到的在承诺事项中披露", "income when received; the rest disclosed", "pledge 元数据或 ^pledge- 链接"),
        ("资助费用", "Grants", "按里程碑验收后到期的各期确认费用，未到期部分列承诺事项", "expensed per tranche due on its accepted milestone; the rest is a commitment", "grant / tranche 元数据或 ^grant- 链接"),
        ("政府购买服务", "Purchase of services", "计入提供服务收入（4301），按服务提供进度确认", "service revenue (4301), as the service is delivered", "Income:Service 科目，department 元数据"),
        ("限定性基金的利息", "Interest of restricted funds", "计入非限定性，捐赠人另有约定的除外", "unrestricted unless the donor stipulated otherwise", "基金登记 interest: \"restricted\" 或分录 stipulated: \"restricted\""),
        ("理事会指定用途", "Board designations", "非限定性资金划入限定性基金仍为非限定性净资产，附注列示", "unrestricted money moved into a restricted fund stays unrestricted; shown in the notes", "#interfund 交易中来源为非限定性基金"),
        ("限定解除", "Releases", "限定性基金的支出先使用限定性资金；限定性基金划往非限定性基金列“限定性净资产转为非限定性净资产”", "spending uses restricted money first; a transfer to an unrestricted fund is a release", "按分录内容识别，不依赖标签"),
        ("慈善活动支出", "Charitable spending", "业务活动成本中除标注为其他业务活动的部分", "program costs except those marked other", "activity: \"other\""),
        ("现金流量", "Cash flows", "直接法，按性质归入会民非03表各项目；内部划转不作现金流量", "direct method, by nature; internal transfers are no cash flow", "cash_line: \"行次\""),
    )  # fmt: skip
    return tuple(
        Row((p_zh if zh else p_en, d_zh if zh else d_en, meta))
        for p_zh, p_en, d_zh, d_en, meta in rows
    )


def _basis(ctx: ReportContext) -> str:
    start, end = ctx.period.start, ctx.period.end
    system = (
        "修订后的《民间非营利组织会计制度》（财会〔2024〕25号）"
        if end.year >= REVISION_YEAR
        else "《民间非营利组织会计制度》（财会〔2004〕7号）"
    )
    if ctx.lang == "zh":
        return (
            f"本财务报表依据{system}编制，会计期间 {start.isoformat()} 至 {end.isoformat()}，"
            "记账本位币为人民币，以权责发生制为基础，数据取自 Beancount 账簿及其登记信息。"
        )
    return (
        f"Prepared under the accounting system for non-profit organizations ({end.year} edition in "
        f"force), period {start.isoformat()} to {end.isoformat()}, in CNY, on the accrual basis, "
        "from the Beancount book and its registry."
    )


def _banks(ctx: ReportContext) -> Table:
    rctx = statement_context(ctx)
    before = rctx.view.balances(end=ctx.period.opening, fund=ctx.fund)
    after = rctx.view.balances(end=ctx.period.end, fund=ctx.fund)
    zh = ctx.lang == "zh"
    rows = []
    for bank in ctx.view.banks:
        account = bank.category.account

        def total(balances: dict[str, Decimal], account: str = account) -> Decimal:
            return sum(
                (n for a, n in balances.items() if a == account or a.startswith(account + ":")),
                ZERO,
            )

        rows.append(
            Row(
                (
                    bank.category.name_zh if zh else bank.category.name_en,
                    bank.number,
                    total(before),
                    total(after),
                )
            )
        )
    cash = [a for a in set(before) | set(after) if a.startswith("Assets:Cash")]
    if cash:
        rows.append(
            Row(
                (
                    "现金" if zh else "Cash on hand",
                    "",
                    sum((before.get(a, ZERO) for a in cash), ZERO),
                    sum((after.get(a, ZERO) for a in cash), ZERO),
                )
            )
        )
    rows.append(
        Row(
            (
                "货币资金合计" if zh else "Total",
                "",
                sum((r.cells[2] for r in rows if isinstance(r.cells[2], Decimal)), ZERO),
                sum((r.cells[3] for r in rows if isinstance(r.cells[3], Decimal)), ZERO),
            ),
            "total",
        )
    )
    return Table(
        "note_cash",
        "货币资金" if zh else "Cash and bank deposits",
        (
            Column("bank", "账户" if zh else "Account"),
            Column("number", "账号" if zh else "Number"),
            Column("opening", "年初数" if zh else "Opening", "money"),
            Column("closing", "期末数" if zh else "Closing", "money"),
        ),
        tuple(rows),
    )


def _restricted(ctx: ReportContext) -> Table:
    view = statement_context(ctx).view
    zh = ctx.lang == "zh"
    opening, closing = split_at(view, ctx.period.opening), split_at(view, ctx.period.end)
    rows = []
    totals = [ZERO] * 5
    for code, fund in sorted(view.registry.funds.items()):
        if fund.restriction is not Restriction.RESTRICTED or ctx.fund not in (None, code):
            continue
        moves = period_moves(view, ctx.period.start, ctx.period.end, code)
        values = (
            opening.restricted(code),
            moves["released"],
            closing.restricted(code),
            moves["designated_in"],
            closing.designated(code),
        )
        if not any(values):
            continue
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append(Row((code, ctx.fund_name(code), *values)))
    rows.append(Row(("", "合计" if zh else "Total", *totals), "total"))
    return Table(
        "note_restricted",
        "限定性净资产及其解除" if zh else "Restricted net assets and their releases",
        (
            Column("fund", "基金" if zh else "Fund"),
            Column("name", "名称" if zh else "Name"),
            Column("opening", "期初限定性" if zh else "Restricted, opening", "money"),
            Column("released", "本期解除" if zh else "Released", "money"),
            Column("closing", "期末限定性" if zh else "Restricted, closing", "money"),
            Column("designated_in", "本期理事会指定划入" if zh else "Designated in", "money"),
            Column(
                "designated",
                "期末非限定性（指定、利息）" if zh else "Unrestricted held, closing",
                "money",
            ),
        ),
        tuple(rows),
        note=(
            "限定性基金持有的非限定性资金（理事会指定划入、利息）列入非限定性净资产。"
            if zh
            else "Unrestricted money a restricted fund holds (board designations, interest) is in unrestricted net assets."
        ),
    )


def _commitments(ctx: ReportContext) -> tuple[Table, Table]:
    result = recognize(ctx.view, ctx.period.end)
    zh = ctx.lang == "zh"
    awards = [a for a in result.awards if a.outstanding and ctx.fund in (None, a.fund)]
    grant_rows = [
        Row((a.link.removeprefix("grant-"), a.payee, a.fund, a.date.isoformat(), a.amount, a.due, a.voided, a.outstanding))
        for a in awards
    ]  # fmt: skip
    grant_rows.append(
        Row(("", "合计" if zh else "Total", "", "", *(sum((getattr(a, k) for a in awards), ZERO) for k in ("amount", "due", "voided")), sum((a.outstanding for a in awards), ZERO)), "total")
    )  # fmt: skip
    grants = Table(
        "note_commitments",
        "承诺事项：已签订资助协议尚未到期的资助款"
        if zh
        else "Commitments: grants awarded, not yet due",
        (
            Column("grant", "资助编号" if zh else "Grant"),
            Column("payee", "受资助单位" if zh else "Grantee"),
            Column("fund", "基金" if zh else "Fund"),
            Column("date", "协议日期" if zh else "Awarded on"),
            Column("amount", "资助总额" if zh else "Awarded", "money"),
            Column("due", "已到期拨付" if zh else "Due and paid", "money"),
            Column("voided", "核销" if zh else "Voided", "money"),
            Column("outstanding", "尚未到期" if zh else "Not yet due", "money"),
        ),
        tuple(grant_rows),
    )
    pledges = [p for p in result.pledges if p.amount - p.received and ctx.fund in (None, p.fund)]
    pledge_rows = [
        Row((p.link.removeprefix("pledge-"), p.source, p.fund, p.date.isoformat(), p.amount, p.received, p.amount - p.received))
        for p in pledges
    ]  # fmt: skip
    pledge_table = Table(
        "note_pledges",
        "捐赠承诺（未确认收入）" if zh else "Pledges (not recognized as income)",
        (
            Column("pledge", "编号" if zh else "Pledge"),
            Column("source", "承诺方" if zh else "From"),
            Column("fund", "基金" if zh else "Fund"),
            Column("date", "承诺日期" if zh else "Pledged on"),
            Column("amount", "承诺金额" if zh else "Pledged", "money"),
            Column("received", "已收到" if zh else "Received", "money"),
            Column("outstanding", "未收到" if zh else "Not received", "money"),
        ),
        tuple(pledge_rows),
        note=""
        if pledge_rows
        else ("期末无未收到的捐赠承诺。" if zh else "No pledges outstanding."),
    )
    return grants, pledge_table


def _funds(ctx: ReportContext) -> Table:
    view = statement_context(ctx).view
    zh = ctx.lang == "zh"
    before = view.balances(end=ctx.period.opening, fund=ctx.fund)
    after = view.balances(end=ctx.period.end, fund=ctx.fund)
    per_before: dict[str, dict[str, Decimal]] = defaultdict(dict)
    per_after: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for balances, target in ((before, per_before), (after, per_after)):
        for account, number in balances.items():
            fund = fund_of(account)
            if fund is not None:
                target[fund][account] = number
    rows = []
    for code, fund in sorted(view.registry.funds.items()):
        if ctx.fund not in (None, code):
            continue
        rows.append(
            Row(
                (
                    code,
                    fund.name_zh if zh else fund.name,
                    fund.kind.value,
                    ctx.t(fund.restriction.value),
                    fund_balance(per_before[code]),
                    fund_balance(per_after[code]),
                )
            )
        )
    return Table(
        "note_funds",
        "基金" if zh else "Funds",
        (
            Column("fund", "基金" if zh else "Fund"),
            Column("name", "名称" if zh else "Name"),
            Column("kind", "类别" if zh else "Kind"),
            Column("restriction", "限定" if zh else "Restriction"),
            Column("opening", "期初净资产" if zh else "Opening", "money"),
            Column("closing", "期末净资产" if zh else "Closing", "money"),
        ),
        tuple(rows),
    )


def _projects(ctx: ReportContext) -> tuple[Table, Table]:
    rctx = statement_context(ctx)
    zh = ctx.lang == "zh"
    named: dict[str, str] = {}
    for txn in ctx.view.transactions:
        project = (txn.meta or {}).get("project")
        if isinstance(project, str):
            for link in txn.links or ():
                named.setdefault(link, project)
    by_fund: dict[str, Decimal] = defaultdict(lambda: ZERO)
    by_project: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for txn, posting in rctx.view.postings(
        start=ctx.period.start, end=ctx.period.end, fund=ctx.fund, closes=False
    ):
        if parent_account(posting.account) != "Expenses:Program":
            continue
        number = posting_number(posting)
        by_fund[fund_of(posting.account) or ""] += number
        project = (txn.meta or {}).get("project")
        if not isinstance(project, str):
            project = next((named[k] for k in sorted(txn.links or ()) if k in named), None)
        by_project[
            project or ("未标注项目的社区支出" if zh else "Community spending without a project")
        ] += number
    fund_table = Table(
        "note_program_by_fund",
        "业务活动成本（按基金）" if zh else "Program costs by fund",
        (Column("fund", "基金" if zh else "Fund"), Column("name", "名称" if zh else "Name"), Column("amount", ctx.t("amount"), "money")),
        (
            *(Row((code, ctx.fund_name(code), n)) for code, n in sorted(by_fund.items()) if n),
            Row(("", ctx.t("total"), sum(by_fund.values(), ZERO)), "total"),
        ),
    )  # fmt: skip
    project_table = Table(
        "note_program_by_project",
        "业务活动成本（按项目）" if zh else "Program costs by project",
        (Column("project", "项目" if zh else "Project"), Column("amount", ctx.t("amount"), "money")),
        (
            *(Row((name, n)) for name, n in sorted(by_project.items(), key=lambda x: -x[1]) if n),
            Row((ctx.t("total"), sum(by_project.values(), ZERO)), "total"),
        ),
    )  # fmt: skip
    return fund_table, project_table


def _charitable(ctx: ReportContext) -> Table:
    sp = spending(ctx)
    zh = ctx.lang == "zh"
    return Table(
        "note_charitable",
        "慈善活动支出" if zh else "Charitable spending",
        (Column("item", ctx.t("item")), Column("amount", ctx.t("amount"), "money")),
        (
            Row(("慈善活动支出" if zh else "Charitable spending", sp.charitable)),
            Row(("其他业务活动成本" if zh else "Other program costs", sp.other_program)),
            Row(
                ("业务活动成本合计" if zh else "Program costs", sp.charitable + sp.other_program),
                "total",
            ),
        ),
    )


def _related(ctx: ReportContext) -> Table:
    zh = ctx.lang == "zh"
    contributed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for txn, posting in statement_context(ctx).view.postings(
        start=ctx.period.start, end=ctx.period.end, fund=ctx.fund, closes=False
    ):
        department = (txn.meta or {}).get("department")
        if isinstance(department, str) and posting.account.startswith("Income:"):
            contributed[department] -= posting_number(posting)
    relations = {
        OrgKind.DISTRICT: (
            "业务主管单位所在区（区委社治委）",
            "The district (its community development committee)",
        ),
        OrgKind.STREET: ("街道党工委：审批社区资金", "Street office: approves community spending"),
        OrgKind.DEPARTMENT: ("出资部门：投入专项资金", "Contributing department"),
    }
    rows = []
    for org in sorted(ctx.view.registry.orgs.values(), key=lambda o: (o.kind.value, o.code)):
        if org.kind not in relations:
            continue
        zh_rel, en_rel = relations[org.kind]
        rows.append(
            Row(
                (
                    org.code,
                    org.name_zh if zh else org.name,
                    zh_rel if zh else en_rel,
                    contributed.get(org.code, ZERO),
                )
            )
        )
    return Table(
        "note_related",
        "关联方及交易" if zh else "Related parties",
        (
            Column("org", "编码" if zh else "Code"),
            Column("name", "名称" if zh else "Name"),
            Column("relation", "关系" if zh else "Relation"),
            Column("amount", "本期投入" if zh else "Contributed in the period", "money"),
        ),
        tuple(rows),
        note=(
            "关联方取自账簿登记信息（fundbook-org）；本期投入为标注 department 元数据的收入。"
            if zh
            else "Related parties from the book's registry (fundbook-org); contributions are income with department metadata."
        ),
    )


def _subsequent(ctx: ReportContext) -> Table:
    zh = ctx.lang == "zh"
    rows = []
    for entry in ctx.view.entries:
        if (
            isinstance(entry, data.Custom)
            and entry.type == NOTE_DIRECTIVE
            and entry.date > ctx.period.end
            and len(entry.values) >= 2
            and entry.values[0].value == "subsequent_event"
        ):
            rows.append(Row((entry.date.isoformat(), str(entry.values[1].value))))
    return Table(
        "note_subsequent",
        "资产负债表日后事项" if zh else "Events after the reporting date",
        (Column("date", ctx.t("date")), Column("event", "事项" if zh else "Event")),
        tuple(rows),
        note=""
        if rows
        else (
            '会计人员未在账簿中录入期后事项（custom "fundbook-note" "subsequent_event" "…"）。'
            if zh
            else 'The accountant entered no subsequent events (custom "fundbook-note" "subsequent_event" "…").'
        ),
    )


def notes_section(ctx: ReportContext) -> Section:
    zh = ctx.lang == "zh"
    basis = Table(
        "note_basis",
        "编制基础与会计政策" if zh else "Basis of preparation and accounting policies",
        (
            Column("policy", "政策" if zh else "Policy"),
            Column("description", "内容" if zh else "Description"),
            Column("metadata", "账簿元数据" if zh else "Book metadata"),
        ),
        _policies(zh),
        note=" ".join(x for x in (_basis(ctx), revision_note(ctx)) if x),
    )
    grants, pledges = _commitments(ctx)
    by_fund, by_project = _projects(ctx)
    tables = (
        basis,
        _banks(ctx),
        _restricted(ctx),
        grants,
        pledges,
        _funds(ctx),
        by_fund,
        by_project,
        _charitable(ctx),
        _related(ctx),
        _subsequent(ctx),
    )
    return Section("notes", "报表附注" if zh else "Notes to the statements", tables)


def reconciliation_section(ctx: ReportContext) -> Section:
    zh = ctx.lang == "zh"
    end = ctx.period.end
    next_day = end + datetime.timedelta(days=1)
    balances = ctx.view.balances(end=end, fund=ctx.fund)
    tables = []
    for bank in ctx.view.banks:
        account = bank.category.account
        book = sum(
            (n for a, n in balances.items() if a == account or a.startswith(account + ":")), ZERO
        )
        assertion: data.Balance | None = None
        for entry in ctx.view.entries:
            if (
                isinstance(entry, data.Balance)
                and entry.account == account
                and entry.date <= next_day
                and (assertion is None or entry.date >= assertion.date)
            ):
                assertion = entry
        pending = [
            (txn, sum((posting_number(p) for p in txn.postings if p.account == account or p.account.startswith(account + ":")), ZERO))
            for txn in ctx.view.transactions
            if txn.flag == "!" and txn.date in ctx.period
            and any(p.account == account or p.account.startswith(account + ":") for p in txn.postings)
        ]  # fmt: skip
        rows = [Row(("账面余额" if zh else "Balance per book", end.isoformat(), book))]
        if assertion is None:
            rows.append(Row(("银行对账单余额" if zh else "Balance per bank statement", "", None)))
            note = (
                "账簿中没有该账户的余额核对（balance 断言），未能调节。"
                if zh
                else "No balance assertion in the book: not reconciled."
            )
        else:
            statement = assertion.amount.number
            on = assertion.date - datetime.timedelta(days=1)
            book_then = book if on == end else sum(
                (posting_number(p) for txn in ctx.view.transactions if txn.date <= on for p in txn.postings if p.account == account or p.account.startswith(account + ":")),
                ZERO,
            )  # fmt: skip
            difference = statement - book_then
            rows.append(
                Row(
                    (
                        "银行对账单余额" if zh else "Balance per bank statement",
                        on.isoformat(),
                        statement,
                    )
                )
            )
            if on != end:
                rows.append(
                    Row(
                        (
                            "对账单日账面余额" if zh else "Balance per book on the statement's day",
                            on.isoformat(),
                            book_then,
                        )
                    )
                )
            rows.append(
                Row(
                    (
                        "差额（对账单减账面）" if zh else "Difference (statement - book)",
                        "",
                        difference,
                    ),
                    "total",
                )
            )
            note = (
                ("调节相符。" if zh else "Reconciled.")
                if difference == 0 and on == end
                else ("存在差额或对账单日期早于期末，需核对未达账项。" if zh else "A difference, or a statement older than the period's end: items in transit to check.")
            )  # fmt: skip
        for txn, number in pending:
            rows.append(
                Row(
                    (
                        ("待确认的银行导入分录：" if zh else "Imported, not yet confirmed: ")
                        + (txn.narration or ""),
                        txn.date.isoformat(),
                        number,
                    )
                )
            )
        tables.append(
            Table(
                f"reconciliation_{bank.key}",
                f"{bank.category.name_zh if zh else bank.category.name_en}（{bank.number}）",
                (
                    Column("item", ctx.t("item")),
                    Column("date", ctx.t("date")),
                    Column("amount", ctx.t("amount"), "money"),
                ),
                tuple(rows),
                note=note,
                footer="会计：__________    复核：__________"
                if zh
                else "Prepared by: ________    Reviewed by: ________",
            )
        )
    return Section(
        "bank-reconciliation",
        "银行存款余额调节表" if zh else "Bank reconciliations",
        tuple(tables),
    )
