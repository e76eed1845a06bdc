"""The desk page's words in Chinese (the default) and English."""

from __future__ import annotations

REPORTS = (
    "trial-balance",
    "balance-sheet",
    "activities",
    "cash-flow",
    "funds",
    "disbursements",
    "sources",
    "grants",
    "compliance",
    "integrity",
    "audit-pack",
)

_LABELS: dict[str, tuple[str, str]] = {
    "funds": ("基金", "Funds"),
    "code": ("代码", "Code"),
    "name": ("名称", "Name"),
    "kind": ("类别", "Kind"),
    "balance": ("余额", "Balance"),
    "held": ("冻结", "Held"),
    "available": ("可用", "Available"),
    "kind.foundation": ("基金会资金", "foundation"),
    "kind.district": ("区级基金", "district fund"),
    "kind.micro": ("社区微基金", "micro-fund"),
    "kind.guarantee_pool": ("保障资金池", "guarantee pool"),
    "kind.incentive_pool": ("激励资金池", "incentive pool"),
    "kind.allocation": ("下拨资金", "allocation"),
    "history": ("近12个月", "Last 12 months"),
    "total": ("合计", "Total"),
    "queue": ("待支付的已批准请款", "Approved requests waiting for payment"),
    "request": ("请款单", "Request"),
    "fund": ("基金", "Fund"),
    "payee": ("收款人", "Payee"),
    "purpose": ("用途", "Purpose"),
    "amount": ("金额", "Amount"),
    "requested_by": ("申请人", "Requested by"),
    "approvals": ("审批链", "Approval chain"),
    "queue_empty": ("没有待支付的请款。", "No approved request waits for payment."),
    "workflow_missing": ("无法读取业务数据库：", "The workflow database cannot be read: "),
    "outbox": ("条记账尚未写入账本", "postings not yet in the book"),
    "banks": ("银行对账", "Bank reconciliation"),
    "bank": ("银行账户", "Bank account"),
    "number": ("账号", "Account number"),
    "book_balance": ("账面余额", "Book balance"),
    "asserted_on": ("最近核对日", "Last assertion"),
    "asserted": ("对账单余额", "Statement balance"),
    "book_at": ("当日账面", "Book on that day"),
    "difference": ("差额", "Difference"),
    "days_since": ("距今天数", "Days since"),
    "state": ("状态", "State"),
    "state.ok": ("已核对", "reconciled"),
    "state.difference": ("有差额", "difference"),
    "state.stale": ("超过31天未核对", "not reconciled for 31+ days"),
    "state.never": ("从未核对", "never reconciled"),
    "reports": ("审计报告", "Audit reports"),
    "reports_cli": ("命令行生成：", "From the command line:"),
    "import": ("导入", "Import"),
    "import_hint": (
        "导入银行对账单：把CSV放入 imports/ 目录，在“导入”页面选择 Fundbook 银行对账单导入器。",
        "Import a bank statement: put the CSV in imports/ and pick the Fundbook importer on the Import page.",
    ),
    "report.trial-balance": ("科目余额表", "Trial balance"),
    "report.balance-sheet": ("资产负债表", "Balance sheet"),
    "report.activities": ("业务活动表", "Statement of activities"),
    "report.cash-flow": ("现金流量表", "Cash flow statement"),
    "report.funds": ("基金收支表", "Fund statements"),
    "report.disbursements": ("支付登记簿", "Disbursement register"),
    "report.sources": ("资金来源追溯", "Source tracing"),
    "report.grants": ("资助项目登记簿", "Grant register"),
    "report.compliance": ("合规检查", "Compliance"),
    "report.integrity": ("账本完整性", "Integrity"),
    "report.audit-pack": ("审计资料包", "Audit pack"),
}


def label(key: str, language: str) -> str:
    """The label of `key` in `language` ("zh" or "en"); the key itself if unknown."""
    pair = _LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if language == "en" else pair[0]
