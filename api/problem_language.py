"""Problems in the caller's language: Chinese by default, English on `Accept-Language: en`.

The service words its problems in English (`detail`), and `api.problems`
gives each a stable `code`. `ProblemLanguage`, an ASGI middleware, rewrites
every `application/problem+json` response, whichever path produced it
(handlers, `api.run`, an idempotent replay), into the language the request
asks for: the `title` by its code, the `detail` through the table of known
messages below. A detail the table does not know keeps its specifics and is
introduced by the code's Chinese sentence:

    {"code": "insufficient_funds", "title": "余额不足",
     "detail": "基金 MF-ST01C01 可用余额 100.00，申请金额 800.00", ...}

The `code`, `status` and `type` never change with the language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from api.problems import MEDIA_TYPE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LANGUAGES = ("zh", "en")
DEFAULT = "zh"

# code -> (Chinese title, English title, Chinese sentence introducing an untranslated detail)
TITLES: dict[str, tuple[str, str, str]] = {
    "unauthenticated": ("需要身份验证", "Authentication required", "缺少令牌或令牌无效"),
    "forbidden": ("无权操作", "Not allowed", "您的角色或范围不允许此操作"),
    "not_found": ("未找到", "Not found", "在您的范围内没有此资源"),
    "validation_error": ("输入无效", "Invalid input", "请求内容无效"),
    "insufficient_funds": ("余额不足", "Insufficient funds", "金额超过基金的可用余额"),
    "invalid_transition": ("状态不允许", "Invalid transition", "当前状态或审批顺序不允许此操作"),
    "self_approval": (
        "职责分离",
        "Separation of duties",
        "同一人不能审批自己的申请或同一链条的两步",
    ),
    "idempotency_conflict": (
        "幂等键冲突",
        "Idempotency key reused",
        "此 Idempotency-Key 已用于其他请求",
    ),
    "close_refused": ("不能结账", "The year cannot be closed", "该年度尚不能结账"),
    "period_closed": ("会计年度已结账", "The year is closed", "该日期所在的年度已结账"),
    "not_configured": ("未配置", "Not configured", "此服务器未配置该功能"),
    "method_not_allowed": ("方法不允许", "Method not allowed", "此路径不接受该 HTTP 方法"),
    "http_error": ("请求错误", "Request error", "请求错误"),
    "internal_error": ("内部错误", "Internal error", "服务器内部错误"),
}

NOUNS = {
    "request": "申请",
    "fund": "基金",
    "grant": "资助",
    "pledge": "认捐",
    "allocation": "下拨",
    "report": "报表",
    "department": "部门",
    "tranche": "分期",
}
STATUSES = {
    "pending": "待审批",
    "returned": "已退回",
    "approved": "已批准",
    "paid": "已支付",
    "rejected": "已拒绝",
    "cancelled": "已撤销",
    "expired": "已过期",
    "voided": "已作废",
    "pledged": "已认捐",
    "received": "已到账",
    "booked": "已入账",
}
ROLES = {
    "committee": "社区居委会",
    "community_party": "社区党组织",
    "street": "街道",
    "district": "区社治委",
    "foundation": "基金会",
    "accountant": "会计",
    "department": "部门",
    "auditor": "审计",
    "admin": "管理员",
}

ACTORS = {
    "community committee": "社区居委会",
    "proposing street": "提出下拨的街道",
    "street": "街道",
    "district": "区社治委",
    "foundation": "基金会",
    "accountant": "会计",
}
VERBS = {
    "submits requests": "提交申请",
    "proposes allocations": "提出下拨",
    "books allocations": "为下拨记账",
    "pays tranches": "支付分期",
    "decides allocations": "审批下拨",
    "awards grants": "资助社会企业",
    "closes a year": "年度结账",
    "records contributions": "记录收入",
    "records payments": "记录支付",
    "records pledges": "登记认捐",
    "records the receipt of a pledge": "记录认捐到账",
    "voids an approved request": "作废已批准的申请",
    "cancels an allocation": "撤销下拨",
}
OBJECTS = {
    "grants": "资助",
    "department sources": "部门资金去向",
    "department contributions": "部门出资",
}
KINDS = {
    "community": "社区",
    "department": "部门",
    "social enterprise": "社会企业",
    "guarantee or incentive pool": "保障或激励资金池",
}
EVENTS = {"approval": "批准", "award": "资助", "decision": "审批", "pledge": "认捐"}


def _noun(match: re.Match[str], group: int) -> str:
    return NOUNS.get(match.group(group), match.group(group))


def _status(match: re.Match[str], group: int) -> str:
    return STATUSES.get(match.group(group), match.group(group))


def _role(match: re.Match[str], group: int) -> str:
    return ROLES.get(match.group(group), match.group(group))


Translate = Callable[[re.Match[str]], str | None]  # None: not this message after all
# (English message, its Chinese): checked in order, the whole message must match.
MESSAGES: tuple[tuple[re.Pattern[str], Translate], ...] = tuple(
    (re.compile(pattern), translate)
    for pattern, translate in (
        (r"send Authorization: Bearer <token>", lambda m: "请发送 Authorization: Bearer <令牌>"),
        (r"unknown token", lambda m: "未知的令牌"),
        (r"Field required", lambda m: "缺少此字段"),
        (r"Extra inputs are not permitted", lambda m: "不允许的字段"),
        (r"Not Found", lambda m: "没有这个路径"),
        (r"Method Not Allowed", lambda m: "此路径不接受该方法"),
        (r"must not be empty", lambda m: "不能为空"),
        (
            r'amount must be a string such as "1234\.50", not a number',
            lambda m: '金额必须是字符串，例如 "1234.50"，不能是数字',
        ),
        (
            r"amount (.*) is not a positive decimal with at most two decimals",
            lambda m: f"金额 {m.group(1)} 不是最多两位小数的正数",
        ),
        (r"amount must be greater than zero", lambda m: "金额必须大于零"),
        (
            r"is (\d+) characters long; at most (\d+) are allowed",
            lambda m: f"长度为 {m.group(1)} 个字符，最多允许 {m.group(2)} 个",
        ),
        (r"String should have at most (\d+) characters?", lambda m: f"最多 {m.group(1)} 个字符"),
        (r"Input should be (.+)", lambda m: _should_be(m.group(1))),
        (
            r"Datetimes provided to dates should have zero time.*",
            lambda m: "应为日期（YYYY-MM-DD），不含时间",
        ),
        (r"JSON decode error", lambda m: "不是有效的 JSON"),
        (
            r"contains control character (U\+[0-9A-F]{4,6}) at position (\d+)",
            lambda m: f"第 {m.group(2)} 个字符处含控制字符 {m.group(1)}",
        ),
        (r"(.+) is not a code", lambda m: f"{m.group(1)} 不是有效的代码"),
        (r"(?:fund: )?unknown fund (.+)", lambda m: f"未知的基金 {m.group(1)}"),
        (r"no (\w+) (.+?)( in your scope)?", lambda m: f"没有{_noun(m, 1)} {m.group(2)}"),
        (
            r"it is the turn of (\w+) (\S+), not yours",
            lambda m: f"现在轮到 {_role(m, 1)} {m.group(2)} 审批，不是您",
        ),
        (
            r"(.+) submitted (request|allocation) (\S+) and cannot decide it",
            lambda m: f"{m.group(1)} 提交了{_noun(m, 2)} {m.group(3)}，不能审批它",
        ),
        (
            r"(.+) already decided another step of request (\S+)",
            lambda m: f"{m.group(1)} 已审批过申请 {m.group(2)} 的另一步",
        ),
        (
            r"(request|allocation|pledge) (\S+) is (\w+)[;,] .*",
            lambda m: f"{_noun(m, 1)} {m.group(2)} 的状态是{_status(m, 3)}，不允许此操作",
        ),
        (
            r"fund (\S+) has ([0-9.]+) available; ([0-9.]+) requested",
            lambda m: f"基金 {m.group(1)} 可用余额 {m.group(2)}，申请金额 {m.group(3)}",
        ),
        (
            r"pool (\S+) has ([0-9.]+) to allocate; ([0-9.]+) proposed",
            lambda m: f"资金池 {m.group(1)} 可下拨 {m.group(2)}，拟下拨 {m.group(3)}",
        ),
        (
            r"only a community committee submits requests, not (\w+)",
            lambda m: f"只有社区居委会可以提交申请，{_role(m, 1)}不可以",
        ),
        (
            r"a (\w+) does not decide requests from fund (\S+)",
            lambda m: f"{_role(m, 1)}不审批基金 {m.group(2)} 的申请",
        ),
        (
            r"fund (\S+) does not belong to community (\S+)",
            lambda m: f"基金 {m.group(1)} 不属于社区 {m.group(2)}",
        ),
        (r"(\w+): (\S+) is in the future", lambda m: f"{m.group(1)}：{m.group(2)} 是未来的日期"),
        (
            r"(\w+): (\S+) is before the (approval|award|decision|pledge)(?: on (\S+))?",
            lambda m: (
                f"{m.group(1)}：{m.group(2)} 早于{EVENTS[m.group(3)]}日期 {m.group(4) or ''}".rstrip()
            ),
        ),
        (
            r"only (?:a |an |the )?(community committee|proposing street|street|district|"
            r"foundation|accountant) (.+?)(?:, not (?:a |an )?(\w+))?",
            lambda m: (
                f"只有{ACTORS[m.group(1)]}可以{VERBS[m.group(2)]}" if m.group(2) in VERBS else None
            ),
        ),
        (
            r"a (\w+) does not see (grants|department sources|department contributions)",
            lambda m: f"{_role(m, 1)}无权查看{OBJECTS[m.group(2)]}",
        ),
        (
            r"a department sees only its own contributions",
            lambda m: "部门只能查看自己的出资",
        ),
        (
            r"a (\w+) does not read the (.+) report",
            lambda m: f"{_role(m, 1)}无权查看 {m.group(2)} 报表",
        ),
        (
            r"(\w+): (.+) is not a (community|department|social enterprise|guarantee or incentive pool)",
            lambda m: f"{m.group(1)}：{m.group(2)} 不是{KINDS[m.group(3)]}",
        ),
        (
            r"community (\S+) is not in street (\S+)",
            lambda m: f"社区 {m.group(1)} 不在街道 {m.group(2)}",
        ),
        (
            r"community (\S+) has no allocation fund of pool (\S+)",
            lambda m: f"社区 {m.group(1)} 没有资金池 {m.group(2)} 的下拨基金",
        ),
        (
            r"(.+) already acted on allocation (\S+)",
            lambda m: f"{m.group(1)} 已处理过下拨 {m.group(2)}",
        ),
        (
            r"(.+) proposed allocation (\S+) and cannot decide it",
            lambda m: f"{m.group(1)} 提出了下拨 {m.group(2)}，不能审批它",
        ),
        (
            r"only (.+), who submitted request (\S+), resubmits it",
            lambda m: f"只有提交申请 {m.group(2)} 的 {m.group(1)} 可以重新提交",
        ),
        (
            r"tranche (\d+) of grant (\S+) is no longer released",
            lambda m: f"资助 {m.group(2)} 的第 {m.group(1)} 期已不再是拨付状态",
        ),
        (
            r"(\w+): (\S+) is before fund (\S+) opened in the book on (\S+)",
            lambda m: (
                f"{m.group(1)}：{m.group(2)} 早于基金 {m.group(3)} 在账簿中开立的日期 {m.group(4)}"
            ),
        ),
        (
            r"(\w+): (\S+) falls in a year of fund (\S+) already closed in the book on ([0-9-]+)(.*)",
            lambda m: (
                f"{m.group(1)}：{m.group(2)} 所在年度的基金 {m.group(3)} 已于 {m.group(4)} 结账；"
                "已结账年度的更正记入当前年度"
            ),
        ),
        (
            r"received_on: (\S+) is before the pledge",
            lambda m: f"received_on：{m.group(1)} 早于认捐日期",
        ),
        (
            r"source\.org: a department contribution names a department code",
            lambda m: "source.org：部门出资须填写部门代码",
        ),
        (
            r"source\.org: unknown organization (.+)",
            lambda m: f"source.org：未知的组织 {m.group(1)}",
        ),
        (
            r"unknown bank (.+); one of (.+)",
            lambda m: f"未知的银行账户 {m.group(1)}；可选：{m.group(2)}",
        ),
        (r"the book defines no bank account", lambda m: "账簿中没有银行账户"),
        (
            r"Idempotency-Key must be 1-255 printable ASCII characters",
            lambda m: "Idempotency-Key 须为 1 至 255 个可打印 ASCII 字符",
        ),
        (
            r"income: only department contributions choose subsidy or service",
            lambda m: "income：只有部门出资可选 subsidy 或 service",
        ),
        (
            r"this Idempotency-Key was used with a different request body",
            lambda m: "此 Idempotency-Key 已用于另一个请求内容",
        ),
        (
            r"a request with this Idempotency-Key is still in progress",
            lambda m: "使用此 Idempotency-Key 的请求仍在处理中",
        ),
    )
)


TYPES = {
    "a valid date or datetime": "有效日期（YYYY-MM-DD）",
    "a valid date": "有效日期（YYYY-MM-DD）",
    "a valid datetime": "有效时间（ISO 8601）",
    "a valid integer": "整数",
    "a valid string": "字符串",
    "a valid boolean": "true 或 false",
    "a valid list": "数组",
    "a valid dictionary": "对象",
    "a valid dictionary or object to extract fields from": "对象",
}
_OPTION = re.compile(r"'[^']*'")


def _should_be(what: str) -> str | None:
    """Chinese for pydantic's "Input should be …" (a type or a list of options)."""
    kind = what.split(",", 1)[0].strip()
    if kind in TYPES:
        return f"应为{TYPES[kind]}"
    options = _OPTION.findall(what)
    if options and re.fullmatch(r"('[^']*'(, | or )?)+", what):
        return f"应为 {'、'.join(options)} 之一" if len(options) > 1 else f"应为 {options[0]}"
    match = re.fullmatch(r"(less|greater) than( or equal to)? (-?[0-9.]+)", what)
    if match:
        word = {"less": "小于", "greater": "大于"}[match.group(1)]
        return f"应{word}{'或等于' if match.group(2) else ''} {match.group(3)}"
    return None


def language(header: str | None) -> str:
    """`zh` or `en` from an Accept-Language header, by quality; `zh` when neither is asked for."""
    best, best_q = DEFAULT, -1.0
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q or (q == best_q and position == 0):
            best, best_q = primary, q
    return best if best_q > 0 else DEFAULT


def _message_zh(text: str) -> str | None:
    for pattern, translate in MESSAGES:
        match = pattern.fullmatch(text)
        if match:
            found = translate(match)
            if found is not None:
                return found
    return None


def detail_zh(code: str, detail: str) -> str:
    """The Chinese of a problem's detail: each `field: message` part through the table."""
    whole_detail = _message_zh(detail)
    if whole_detail is not None:
        return whole_detail
    parts = []
    known = True
    for part in detail.split("; "):
        whole = _message_zh(part)
        if whole is None:
            where, sep, message = part.partition(": ")
            inner = _message_zh(message) if sep else None
            if inner is not None:
                whole = f"{where}：{inner}"
        if whole is None:
            known = False
            whole = part
        parts.append(whole)
    text = "；".join(parts)
    if known:
        return text
    intro = TITLES.get(code, TITLES["http_error"])[2]
    return f"{intro}：{text}"


def localize(body: dict[str, Any], lang: str) -> dict[str, Any]:
    """The problem `body` (worded in English) in `lang`; code, status and type unchanged."""
    code = str(body.get("code", "http_error"))
    zh, en, _ = TITLES.get(code, (str(body.get("title", "")),) * 3)
    if lang == "en":
        return {**body, "title": en if code in TITLES else body.get("title")}
    detail = body.get("detail")
    return {
        **body,
        "title": zh,
        "detail": detail_zh(code, detail) if isinstance(detail, str) else detail,
    }


class ProblemLanguage:
    """ASGI middleware: problem responses in the language of the request's Accept-Language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", []):
            if name == b"accept-language":
                header = value.decode("latin-1")
        lang = language(header)
        start: Message | None = None
        chunks: list[bytes] = []

        async def wrapped(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(MEDIA_TYPE.encode()):
                    start = message
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                await _send_localized(send, start, b"".join(chunks), lang)
                return
            await send(message)

        await self.app(scope, receive, wrapped)


async def _send_localized(send: Send, start: Message, raw: bytes, lang: str) -> None:
    try:
        body = json.loads(raw)
        payload = json.dumps(localize(body, lang), ensure_ascii=False).encode("utf-8")
    except (ValueError, TypeError):
        payload = raw
    headers = [
        (name, value)
        for name, value in start.get("headers", [])
        if name not in (b"content-length", b"content-language", b"vary")
    ]
    headers += [
        (b"content-length", str(len(payload)).encode()),
        (b"content-language", lang.encode()),
        (b"vary", b"Accept-Language"),
    ]
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})
