"""What every field of the API means, in Chinese and English, with an example: the OpenAPI's text.

`api.openapi` puts these on each property of each schema that has no
description of its own. `FIELDS` is keyed by field name (a name means the
same everywhere, see STYLE.md); `BY_SCHEMA` says more where one schema's
field needs its own words. Examples are values a client may send or see.
"""

from __future__ import annotations

from typing import Any

Field = tuple[str, str, Any]  # (Chinese, English, example)

FIELDS: dict[str, Field] = {
    "expires_at": (
        "到期时间（含时区）；null 表示不过期",
        "When it expires (ISO 8601); null: never",
        None,
    ),
    "revoked_at": ("撤销时间；null 表示未撤销", "When it was revoked; null: it was not", None),
    "person": ("令牌所属的人", "The person the token belongs to", "张敏"),
    "token_id": ("令牌编号", "The token's id", 3),
    "method": ("HTTP 方法", "HTTP method", "GET"),
    "route": (
        "路由模板（不含参数值）",
        "The route's template (no parameter values)",
        "/v1/disbursements/{code}",
    ),
    "rounds": (
        "申请的每一轮（首次提交与每次退回后重新提交），按顺序；旧轮次从不改写",
        "Every round of the request (the first submission and each resubmission after a "
        "return), in order; earlier rounds are never rewritten",
        [],
    ),
    "round": ("轮次，从 1 开始", "The round's number, from 1", 1),
    "submitted_at": (
        "本轮提交时间（含时区）",
        "When the round was submitted (ISO 8601 with offset)",
        "2026-03-02T09:00:00+08:00",
    ),
    "decisions": ("本轮的各项决定，按审批步骤顺序", "The round's decisions, in step order", []),
    "step": (
        "该步在本轮审批链中的位置（从 0 开始）",
        "0-based position of the step in the round's chain",
        0,
    ),
    "origin": (
        "记录来源：service＝工作流数据库；book＝仅见于账簿元数据（历史申请）",
        "Where the request is recorded: service = the workflow database; book = only in the "
        "book's metadata (history booked before the service kept it)",
        "service",
    ),
    "agreement": ("资助协议编号", "Number of the grant agreement", "WHCDF-SE-2026-001"),
    "amount": (
        "金额，人民币元，字符串，最多两位小数",
        "Amount in CNY, a string with at most two decimals",
        "800.00",
    ),
    "at": (
        "决定时间（含时区）",
        "When the decision was made (ISO 8601 with offset)",
        "2026-03-02T10:15:00+08:00",
    ),
    "available": (
        "可用余额 = 余额 − 冻结",
        "Available = balance − held; never negative",
        "4200.00",
    ),
    "balance": (
        "账簿中的基金余额（净资产）",
        "The fund's balance in the book (its net assets)",
        "5000.00",
    ),
    "bank": (
        "银行账户键（默认：基金自己的账户）",
        "Key of the bank account (default: the fund's own)",
        "ICBC",
    ),
    "bank_reference": ("银行流水号", "The bank's reference of the movement", "ICBC20260306001"),
    "booked_on": ("记账日期（默认：今天）", "Date booked (default: today)", "2026-03-06"),
    "by": ("决定人", "Who decided", "刘书记"),
    "category": ("支出类别（可选）", "Spending category (optional)", "敬老活动"),
    "code": ("代码（ASCII）", "Code (ASCII)", "MF-ST01C01"),
    "comment": ("意见", "Comment", "同意"),
    "community": ("社区代码", "Code of the community", "ST01C01"),
    "created_at": ("提交时间", "When it was submitted", "2026-03-01T09:30:00+08:00"),
    "currency": ("币种，始终为 CNY", "Currency, always CNY", "CNY"),
    "decision": ("决定", "The decision", "approve"),
    "department": ("出资部门代码", "Code of the contributing department", "D01"),
    "documents": (
        "附件（请款函等）的名称或编号",
        "Names or numbers of attached documents (请款函 …)",
        ["请款函-2026-001.pdf"],
    ),
    "due": ("计划日期", "Date due", "2026-06-30"),
    "enterprise": ("社会企业代码", "Code of the social enterprise", "SE01"),
    "entries": (
        "写入账簿的分录 fb_id",
        "fb_id of the entries written to the book",
        ["R000001-commitment"],
    ),
    "file": (
        "文件（PDF、JPEG 或 PNG，最大 10 MB）",
        "The file (PDF, JPEG or PNG, at most 10 MB)",
        None,
    ),
    "fund": ("基金代码", "Code of the fund", "MF-ST01C01"),
    "held": ("已冻结（待审批申请占用）", "Held by requests not yet decided", "800.00"),
    "id": ("编号", "Identifier", "R000001"),
    "income": ("收入类别", "Kind of income", "donation"),
    "kind": ("类别", "Kind", "micro"),
    "ledger": (
        "账簿中的记录（尚未记账时为空）",
        "What was written to the book (null until booked)",
        None,
    ),
    "link": ("账簿链接（Beancount link）", "The Beancount link of its entries", "req-R000001"),
    "milestone": ("里程碑", "The milestone", "长者食堂开业"),
    "name": ("名称或姓名", "Name", "锦里社区微基金"),
    "name_zh": ("中文名称", "Chinese name", "锦里社区微基金"),
    "next_step": (
        "下一步由谁决定（已结束时为空）",
        "Who decides next (null when no step is left)",
        {"role": "community_party", "org": "ST01C01"},
    ),
    "number": ("分期序号（从 1 开始）", "Number of the tranche (from 1)", 1),
    "org": ("组织代码", "Code of the organization", "ST01C01"),
    "paid": ("已支付金额", "Amount paid so far", "12000.00"),
    "paid_on": ("支付日期（不早于批准日）", "Date paid (not before the approval)", "2026-03-06"),
    "parent": ("上级组织代码", "Code of the enclosing organization", "ST01"),
    "payee": ("收款人", "Payee", "锦里社区老年协会"),
    "pledged_on": ("认捐日期", "Date pledged", "2026-02-01"),
    "pool": ("资金池基金代码", "Code of the pool fund", "GP"),
    "project": ("项目名称", "Name of the project", "社区长者食堂"),
    "proposed_by": ("提出人", "Who proposed it", "浆洗街街道陈主任"),
    "purpose": ("用途", "Purpose", "重阳节敬老活动"),
    "reason": ("原因", "Reason", "收款人信息有误"),
    "receipt_no": ("捐赠票据号", "Number of the donation receipt (捐赠票据)", "JZ2026-0001"),
    "received_on": ("到账日期", "Date received", "2026-02-15"),
    "recorded_by": ("记录人", "Who recorded it", "李会计"),
    "refund": ("结项退回金额", "Refund at closeout", "0.00"),
    "report": ("里程碑报告", "The milestone report", "长者食堂已于 5 月开业，日均就餐 80 人"),
    "requested_by": ("申请人", "Who submitted it", "锦里居委会张三"),
    "role": ("角色", "Role", "community_party"),
    "source": ("资金来源", "Where the money comes from", {"kind": "donor", "name": "锦里街坊"}),
    "sources": (
        "各出资部门的份额",
        "How much of it came from each department",
        [{"source": "D01", "amount": "250000.00"}],
    ),
    "state": ("分期状态", "State of the tranche", "planned"),
    "status": ("状态", "Status", "pending"),
    "steps": ("审批链的各步及其决定", "The approval chain's steps and their decisions", []),
    "total": ("资助总额（各期之和）", "Total of the grant (the sum of its tranches)", "12000.00"),
    "tranches": ("分期", "Tranches", []),
    "updated_at": ("最后变更时间", "When it last changed", "2026-03-02T10:15:00+08:00"),
}

BY_SCHEMA: dict[tuple[str, str], Field] = {
    ("Me", "name"): ("令牌所属的人", "The person the token belongs to", "锦里居委会张三"),
    ("Me", "role"): ("令牌的角色", "The token's role", "committee"),
    ("Me", "org"): (
        "令牌代表的组织（全区角色为空）",
        "The organization it acts for (null for district-wide roles)",
        "ST01C01",
    ),
    ("OrgPublic", "code"): ("组织代码", "Code of the organization", "ST01C01"),
    ("OrgPublic", "name"): ("英文或拼音名称", "English or pinyin name", "Jinli Community"),
    ("OrgPublic", "name_zh"): ("中文名称", "Chinese name", "锦里社区"),
    ("OrgPublic", "kind"): ("组织类别", "Kind of organization", "community"),
    ("FundPublic", "name"): (
        "英文或拼音名称",
        "English or pinyin name",
        "Jinli Community Micro-fund",
    ),
    ("FundPublic", "kind"): ("基金类别", "Kind of fund", "micro"),
    ("FundPublic", "org"): ("所属组织代码", "Code of the owning organization", "ST01C01"),
    ("Source", "kind"): ("来源类别", "Kind of source", "donor"),
    ("Source", "org"): (
        "出资部门代码（部门来源时必填）",
        "Code of the department (for a department source)",
        None,
    ),
    ("Source", "name"): ("来源名称（捐赠人等）", "Name of the source (donor …)", "锦里街坊"),
    ("SourcePart", "source"): ("出资部门代码", "Code of the department", "D01"),
    ("SourcePart", "amount"): ("来自该部门的金额", "Amount that came from it", "250000.00"),
    ("ContributionPublic", "source"): (
        "资金来源",
        "Where the money came from",
        {"kind": "donor", "name": "锦里街坊"},
    ),
    ("ContributionPublic", "id"): ("编号", "Identifier", "C000001"),
    ("PledgePublic", "id"): ("编号", "Identifier", "P000001"),
    ("AllocationPublic", "id"): ("编号", "Identifier", "A000001"),
    ("AllocationPublic", "fund"): (
        "社区的下拨基金",
        "The community's allocation fund",
        "AL-ST01C01-GP",
    ),
    ("GrantPublic", "id"): ("编号", "Identifier", "G000001"),
    ("GrantPublic", "status"): ("资助状态", "Status of the grant", "awarded"),
    ("NextStep", "role"): (
        "决定这一步的角色",
        "The role that decides this step",
        "community_party",
    ),
    ("NextStep", "org"): ("决定这一步的组织", "The organization that decides it", "ST01C01"),
    ("Step", "org"): ("决定这一步的组织", "The organization that decides it", "ST01C01"),
    ("AllocationStep", "org"): ("决定这一步的组织", "The organization that decides it", "WUHOU"),
    ("AllocationStep", "role"): ("角色", "Role", "district"),
    ("GrantEnd", "reason"): ("原因", "Reason", "项目结项"),
    ("ContributionCreate", "income"): (
        "收入类别：仅部门来源可选 subsidy 或 service（默认 subsidy），其他来源不填",
        "Kind of income: only a department source chooses subsidy or service (default "
        "subsidy); others leave it out",
        None,
    ),
    ("PledgeCreate", "income"): ("收入类别", "Kind of income", "subsidy"),
    ("PledgePublic", "income"): ("收入类别", "Kind of income", "subsidy"),
    ("TranchePublic", "amount"): ("本期金额", "Amount of the tranche", "12000.00"),
    ("TrancheCreate", "amount"): ("本期金额", "Amount of the tranche", "12000.00"),
    ("GrantCreate", "fund"): ("出资基金代码", "Code of the fund paying it", "DCF"),
    ("GrantPublic", "fund"): ("出资基金代码", "Code of the fund paying it", "DCF"),
    ("AllocationCreate", "amount"): ("下拨金额", "Amount to allocate", "250000.00"),
    ("AllocationPublic", "amount"): ("下拨金额", "Amount allocated", "250000.00"),
    ("PledgeCreate", "amount"): ("认捐金额", "Amount pledged", "250000.00"),
    ("PledgePublic", "amount"): ("认捐金额", "Amount pledged", "250000.00"),
    ("PledgeCreate", "fund"): ("资金池基金代码", "Code of the pool fund", "GP"),
    ("PledgePublic", "fund"): ("资金池基金代码", "Code of the pool fund", "GP"),
    ("CloseCreate", "year"): ("要结账的年度", "The year to close", 2025),
    ("CloseCreate", "allow_unreconciled"): (
        "年末无余额核对也可结账的银行账户",
        "Bank accounts that may be closed without a balance assertion at the year end",
        ["ICBC"],
    ),
    ("CloseCreate", "dry_run"): (
        "只试算：返回分录，不写入",
        "Plan only: answer with the entries, write nothing",
        True,
    ),
    ("ClosePublic", "year"): ("结账年度", "The year", 2025),
    ("ClosePublic", "status"): ("结果", "Result", "planned"),
    ("ClosePublic", "entries"): (
        "每笔结账分录的 fb_id",
        "fb_id of each closing entry",
        ["close-2025-MF-ST01C01"],
    ),
    ("ClosePublic", "obstacles"): (
        "妨碍结账的问题（仅试算）",
        "What stands in the way (dry runs only)",
        [],
    ),
    ("RoundPublic", "amount"): (
        "本轮申请金额；未记录时为 null（保留轮次之前被覆盖的轮次）",
        "The amount this round asked for; null where it was not recorded (rounds superseded "
        "before rounds were kept)",
        "800.00",
    ),
    ("RoundPublic", "payee"): (
        "本轮收款方；未记录时为 null",
        "This round's payee; null where not recorded",
        "玉林社区居委会",
    ),
    ("RoundPublic", "purpose"): (
        "本轮用途；未记录时为 null",
        "This round's purpose; null where not recorded",
        "重阳节慰问",
    ),
    ("TokenPublic", "status"): (
        "active 有效、revoked 已撤销、expired 已过期",
        "active, revoked or expired",
        "active",
    ),
    ("TokenPublic", "id"): ("令牌编号", "The token's id", 3),
    ("TokenPublic", "name"): ("令牌所属的人", "The person the token belongs to", "张敏"),
    ("AccessPublic", "status"): ("响应的 HTTP 状态码", "The answer's HTTP status", 200),
    ("AccessPublic", "at"): (
        "使用时间（含时区）",
        "When it was used (ISO 8601)",
        "2026-03-02T10:15:00+08:00",
    ),
    ("ContributionCreate", "amount"): ("收到的金额", "Amount received", "5000.00"),
    ("ContributionPublic", "amount"): ("收到的金额", "Amount received", "5000.00"),
}


def field_text(schema: str, name: str) -> Field | None:
    """The words and example of a schema's field, if written."""
    return BY_SCHEMA.get((schema, name)) or FIELDS.get(name)
