"""What every operation of the API does, in Chinese and English, and which problems it answers.

`api.openapi` gives each operation its summary ("中文 · English"), its
description (a Chinese paragraph, then an English one) and a response for
every error status it can return, listing the problem `code`s of that status.
401 (`unauthenticated`) is added to every operation that needs a token and
422 (`validation_error`) to every one that takes parameters or a body.
"""

from __future__ import annotations

from typing import NamedTuple


class Operation(NamedTuple):
    summary_zh: str
    summary_en: str
    zh: str
    en: str
    problems: tuple[str, ...] = ()  # problem codes besides unauthenticated / validation_error


POST = ("forbidden", "idempotency_conflict")

OPERATIONS: dict[tuple[str, str], Operation] = {
    ("get", "/v1/tokens"): Operation(
        "令牌列表",
        "Tokens",
        "所有令牌（管理员）：所属的人、角色、组织、创建与到期时间、是否已撤销；从不显示令牌本身。",
        "Every token (admin): its person, role, organization, creation and expiry, whether "
        "revoked; never the token itself.",
        ("forbidden",),
    ),
    ("delete", "/v1/tokens/{id}"): Operation(
        "撤销令牌",
        "Revoke a token",
        "撤销一个令牌（管理员）：此后每个工作进程都立即以 401 拒绝它；再次撤销无害。",
        "Revoke a token (admin): from then on every worker refuses it with a 401 at once; "
        "revoking it again is harmless.",
        ("forbidden", "not_found"),
    ),
    ("get", "/v1/access-log"): Operation(
        "访问日志",
        "Access log",
        "每次使用令牌的记录（审计、管理员），最新在前：人、角色、组织、方法、路由模板、状态码；不记录令牌和请求内容。",
        "Every use of a token (auditor, admin), newest first: person, role, organization, "
        "method, route template and status; neither the token nor any body is kept.",
        ("forbidden",),
    ),
    ("get", "/healthz"): Operation(
        "健康检查",
        "Health check",
        "服务在运行时返回 200，无需令牌。",
        "Answers 200 while the service runs; no token.",
    ),
    ("get", "/v1/me"): Operation(
        "当前令牌",
        "The caller",
        "令牌所属的人、角色和组织。",
        "The person, role and organization of the token.",
    ),
    ("get", "/v1/orgs"): Operation(
        "组织列表",
        "Organizations",
        "区、基金会、街道、社区、部门和社会企业；有范围的角色只看到自己及上级。",
        "The district, foundation, streets, communities, departments and enterprises; "
        "a scoped role sees its own subtree and its ancestors.",
    ),
    ("get", "/v1/funds"): Operation(
        "基金列表",
        "Funds",
        "调用者可见的基金，及其余额、冻结和可用金额（可用 = 余额 − 冻结）。",
        "The funds the caller sees, with balance, held and available (available = balance − held).",
    ),
    ("get", "/v1/funds/{code}"): Operation(
        "一个基金",
        "One fund",
        "一个基金的余额、冻结和可用金额；范围外的基金为 404。",
        "A fund's balance, held and available amounts; a fund outside the caller's scope is 404.",
        ("not_found",),
    ),
    ("post", "/v1/disbursements"): Operation(
        "提交请款申请",
        "Submit a disbursement request",
        "社区居委会从本社区的基金请款；金额自提交起冻结，申请按基金的审批链逐级审批。",
        "A community committee requests money from its community's fund; the amount is held "
        "from submission and the request climbs the fund's approval chain.",
        (*POST, "insufficient_funds"),
    ),
    ("get", "/v1/disbursements"): Operation(
        "请款申请列表",
        "Disbursement requests",
        "调用者范围内的申请，可按状态和基金筛选，分页。",
        "Requests in the caller's scope, filtered by status and fund, paged.",
        ("forbidden",),
    ),
    ("get", "/v1/disbursements/{id}"): Operation(
        "一个请款申请",
        "One disbursement request",
        "申请及其审批链、每步的决定和账簿记录。",
        "A request with its approval chain, each step's decision and its entries in the book.",
        ("not_found",),
    ),
    ("post", "/v1/disbursements/{id}/decisions"): Operation(
        "审批",
        "Decide",
        "轮到的角色和组织批准、拒绝或退回；最后一步批准时在账簿中记入应付款。同一人不能审批自己的申请或两步。",
        "The role and organization whose turn it is approves, rejects or returns; the last "
        "approval books the commitment. No one decides their own request or two steps of it.",
        (*POST, "not_found", "invalid_transition", "self_approval"),
    ),
    ("post", "/v1/disbursements/{id}/resubmit"): Operation(
        "重新提交",
        "Resubmit",
        "被退回的申请由原申请人修改后重新提交，审批链从头开始。",
        "The submitter changes a returned request and submits it again; the chain restarts.",
        (*POST, "not_found", "invalid_transition", "insufficient_funds"),
    ),
    ("post", "/v1/disbursements/{id}/cancel"): Operation(
        "撤销",
        "Cancel",
        "申请人撤销待审批或已退回的申请，释放冻结金额。",
        "The submitter cancels a pending or returned request; its hold is released.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/disbursements/{id}/payment"): Operation(
        "支付",
        "Pay",
        "会计记录已批准申请的银行支付；现金变动记入账簿。",
        "The accountant records the bank payment of an approved request; the cash movement is booked.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/disbursements/{id}/void"): Operation(
        "作废",
        "Void",
        "基金会作废已批准未支付的申请；以关联的冲销分录转回应付款。",
        "The foundation voids an approved, unpaid request; a linked entry reverses the commitment.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/disbursements/{id}/documents"): Operation(
        "上传请款附件",
        "Attach a document to a request",
        "上传请款函、发票等（PDF、JPEG 或 PNG，按内容识别，最大 10 MB）；文件按 sha256 存于 "
        "HOME/documents/，以 document 指令链接到该请款的分录。同一文件再次上传返回 200。",
        "Upload the request letter or an invoice (PDF, JPEG or PNG, recognized from the content, at most "
        "10 MB); the file is stored by its sha256 under HOME/documents/ and linked to the "
        "request's entries by a document directive. The same file again answers 200.",
        ("forbidden", "not_found"),
    ),
    ("post", "/v1/contributions/{id}/documents"): Operation(
        "上传收款附件",
        "Attach a document to a contribution",
        "会计或基金会上传捐赠票据、银行回单等，存储与链接方式同请款附件。",
        "The accountant or the foundation uploads the donation receipt or a bank slip, stored and "
        "linked as for a request.",
        ("forbidden", "not_found"),
    ),
    ("post", "/v1/grants/{id}/tranches/{number}/documents"): Operation(
        "上传里程碑报告",
        "Attach a milestone report",
        "基金会或会计上传资助分期的里程碑报告，链接到该资助的分录。",
        "The foundation or the accountant uploads the milestone report of a grant's tranche, "
        "linked to the grant's entries.",
        ("forbidden", "not_found"),
    ),
    ("post", "/v1/contributions"): Operation(
        "记录收入",
        "Record a contribution",
        "会计记录部门资金、捐赠、利息等收入，记入账簿。",
        "The accountant records department money, a donation, interest or other income; it is booked.",
        POST,
    ),
    ("post", "/v1/closes"): Operation(
        "年度结账",
        "Close a year",
        "会计对所有基金进行会计年度结账（收入费用转入净资产、限定性净资产解除限定）；dry_run 只试算。",
        "The accountant closes a year for every fund (income and expense into net assets, "
        "restriction releases); dry_run only plans it.",
        (*POST, "close_refused", "period_closed"),
    ),
    ("get", "/v1/reports/{name}"): Operation(
        "审计报表",
        "Audit report",
        "报表（JSON、HTML、PDF、XLSX，中文或英文）；部门只能看 sources。",
        "A report (JSON, HTML, PDF or XLSX, in Chinese or English); a department reads only `sources`.",
        ("forbidden", "not_found", "not_configured"),
    ),
    ("post", "/v1/pledges"): Operation(
        "登记认捐",
        "Record a pledge",
        "会计登记部门对资金池的认捐（应收款）。",
        "The accountant records a department's pledge to a pool (a receivable).",
        POST,
    ),
    ("get", "/v1/pledges"): Operation(
        "认捐列表",
        "Pledges",
        "认捐，可按部门和状态筛选。",
        "Pledges, filtered by department and status.",
        ("forbidden",),
    ),
    ("get", "/v1/pledges/{id}"): Operation(
        "一项认捐",
        "One pledge",
        "认捐及其到账情况。",
        "A pledge and its receipt.",
        ("forbidden", "not_found"),
    ),
    ("post", "/v1/pledges/{id}/receipt"): Operation(
        "认捐到账",
        "Receive a pledge",
        "会计记录认捐款到账，冲减应收款。",
        "The accountant records the money of a pledge received; the receivable is cleared.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("get", "/v1/sources"): Operation(
        "资金来源",
        "Sources by department",
        "各部门出资的去向（先进先出追溯）。",
        "Where each department's money went (traced first in, first out).",
        ("forbidden",),
    ),
    ("get", "/v1/sources/{department}"): Operation(
        "一个部门的资金去向",
        "One department's sources",
        "一个部门出资的去向；部门角色只能看自己。",
        "Where one department's money went; a department sees only itself.",
        ("forbidden", "not_found"),
    ),
    ("post", "/v1/allocations"): Operation(
        "提出下拨",
        "Propose an allocation",
        "街道提出从保障或激励资金池向本街道社区下拨；金额自提出起冻结。",
        "A street proposes an allocation from the guarantee or incentive pool to one of its "
        "communities; the amount is held from the proposal.",
        (*POST, "insufficient_funds"),
    ),
    ("get", "/v1/allocations"): Operation(
        "下拨列表",
        "Allocations",
        "下拨，可按状态和资金池筛选。",
        "Allocations, filtered by status and pool.",
        ("forbidden",),
    ),
    ("get", "/v1/allocations/{id}"): Operation(
        "一项下拨",
        "One allocation",
        "下拨及其审批和来源部门。",
        "An allocation with its decisions and the departments its money came from.",
        ("not_found",),
    ),
    ("post", "/v1/allocations/{id}/decisions"): Operation(
        "审批下拨",
        "Decide an allocation",
        "区社治委批准或拒绝下拨。",
        "The district approves or rejects an allocation.",
        (*POST, "not_found", "invalid_transition", "self_approval"),
    ),
    ("post", "/v1/allocations/{id}/booking"): Operation(
        "下拨记账",
        "Book an allocation",
        "会计把已批准的下拨记为基金间划转。",
        "The accountant books an approved allocation as an interfund transfer.",
        (*POST, "not_found", "invalid_transition", "insufficient_funds"),
    ),
    ("post", "/v1/allocations/{id}/cancel"): Operation(
        "撤销下拨",
        "Cancel an allocation",
        "提出的街道撤销待审批的下拨，释放冻结金额。",
        "The proposing street cancels a pending allocation; its hold is released.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/grants"): Operation(
        "资助社会企业",
        "Award a grant",
        "基金会按协议资助社会企业项目，分期按里程碑拨付。",
        "The foundation awards a social-enterprise project a grant, paid in tranches against milestones.",
        (*POST, "insufficient_funds"),
    ),
    ("get", "/v1/grants"): Operation(
        "资助列表", "Grants", "资助，可按状态筛选。", "Grants, filtered by status.", ("forbidden",)
    ),
    ("get", "/v1/grants/{id}"): Operation(
        "一项资助",
        "One grant",
        "资助及其各期。",
        "A grant and its tranches.",
        ("forbidden", "not_found"),
    ),
    ("post", "/v1/grants/{id}/tranches/{number}/report"): Operation(
        "提交里程碑报告",
        "Report a milestone",
        "提交一期的里程碑报告。",
        "The milestone report of a tranche.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/grants/{id}/tranches/{number}/acceptance"): Operation(
        "验收里程碑",
        "Accept a milestone",
        "基金会接受或退回里程碑报告。",
        "The foundation accepts or rejects a milestone report.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/grants/{id}/tranches/{number}/release"): Operation(
        "拨付一期",
        "Release a tranche",
        "里程碑验收后，基金会批准拨付这一期。",
        "After its milestone is accepted, the foundation releases the tranche.",
        (*POST, "not_found", "invalid_transition", "insufficient_funds"),
    ),
    ("post", "/v1/grants/{id}/tranches/{number}/payment"): Operation(
        "支付一期",
        "Pay a tranche",
        "会计记录已拨付一期的银行支付。",
        "The accountant records the bank payment of a released tranche.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/grants/{id}/close"): Operation(
        "结项",
        "Close a grant",
        "基金会结项，未用金额退回基金。",
        "The foundation closes a grant; what was not spent returns to the fund.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("post", "/v1/grants/{id}/cancel"): Operation(
        "撤销资助",
        "Cancel a grant",
        "基金会撤销尚未支付的资助。",
        "The foundation cancels a grant nothing of which was paid.",
        (*POST, "not_found", "invalid_transition"),
    ),
    ("get", "/public/funds"): Operation(
        "公开：基金",
        "Public: funds",
        "《慈善法》要求公开的基金信息，无需令牌。",
        "What the Charity Law requires to be disclosed about the funds; no token.",
    ),
    ("get", "/public/payments"): Operation(
        "公开：支付",
        "Public: payments",
        "公开的支付记录（不含个人信息），无需令牌。",
        "The payments disclosed to the public (no personal data); no token.",
    ),
}


def operation_text(method: str, path: str) -> Operation | None:
    """The words of an operation, by method and path (path parameters named any way)."""
    return OPERATIONS.get((method, _normal(path)))


def _normal(path: str) -> str:
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and part not in ("{number}", "{name}", "{department}"):
            part = "{id}" if part != "{code}" or not path.startswith("/v1/funds") else "{code}"
        parts.append(part)
    return "/".join(parts)


# Tag (group) descriptions, by the tag names the routers use.
TAGS: dict[str, str] = {
    "health": "服务状态 / Service health",
    "who and what": "令牌、组织与基金 / The caller, organizations and funds",
    "disbursements": "请款申请：提交、审批、支付、作废 / Disbursement requests: submit, decide, pay, void",
    "money in": "收入与认捐 / Contributions and pledges",
    "sources": "部门资金的去向 / Where each department's money went",
    "allocations": "资金池下拨到社区 / Allocations of the pools to communities",
    "grants": "社会企业项目资助 / Social-enterprise grants in tranches",
    "documents": "附件：请款函、票据、里程碑报告 / Documents: request letters, receipts, milestone reports",
    "periods": "会计年度结账 / Year-end closes",
    "reports": "审计报表 / Audit reports",
    "tokens": "令牌与访问日志 / Tokens and their access log",
    "public disclosure": "依法公开的信息，无需令牌 / What the law requires to be public, no token",
}
