"""Random lives of disbursement requests, checked against the rules of `funds.requests`.

Several requests of one fund go through random sequences of submit, decide
(approve, reject, return), resubmit, cancel, expire, pay and void, by people
who hold several roles under one name (separation of duties is by person).
After every step, accepted or refused:

- one step per person: nobody decides a request they submitted, nobody decides
  twice in a round, and nobody fills two different steps of one request;
- at most one resolution: once paid, rejected, cancelled, expired or voided, a
  request refuses every change, and its statuses show one resolution at most;
- the fund's holds, kept as the running sum of `hold_change`, equal the amount
  of the requests pending or returned, worked out here from their statuses.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from hypothesis import event, given, settings
from hypothesis import strategies as st

from funds import requests as rq
from funds.model import Role

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
TTL = datetime.timedelta(days=30)

STEPS = (
    rq.Step("community_party", "C1"),
    rq.Step("street", "S1"),
    rq.Step("foundation", "FDN"),
)

# One name, several roles: "wang" is both party secretary and street official,
# "li" sits on the committee and in the foundation, "zhao" is committee and accountant.
ACTORS = (
    rq.Actor("li", Role.COMMITTEE, "C1"),
    rq.Actor("zhou", Role.COMMITTEE, "C1"),
    rq.Actor("zhao", Role.COMMITTEE, "C1"),
    rq.Actor("wang", Role.COMMUNITY_PARTY, "C1"),
    rq.Actor("chen", Role.COMMUNITY_PARTY, "C1"),
    rq.Actor("wang", Role.STREET, "S1"),
    rq.Actor("sun", Role.STREET, "S1"),
    rq.Actor("sun", Role.STREET, "S2"),
    rq.Actor("li", Role.FOUNDATION, None),
    rq.Actor("he", Role.FOUNDATION, None),
    rq.Actor("zhao", Role.ACCOUNTANT, None),
    rq.Actor("ma", Role.AUDITOR, None),
)

chains = st.lists(st.sampled_from(range(len(STEPS))), min_size=1, max_size=3, unique=True).map(
    lambda picks: tuple(STEPS[i] for i in sorted(picks))
)
amounts = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
actors = st.sampled_from(ACTORS)
# Who acts on an existing request: mostly someone in the role its next move needs
# (so that lives go far), sometimes anyone at all (so that refusals are tried).
who = st.tuples(st.booleans() | st.just(True), st.integers(min_value=0, max_value=len(ACTORS)))
targets = st.integers(min_value=0, max_value=5)
# mostly minutes or hours apart, sometimes longer than a request may wait
minutes = st.integers(min_value=0, max_value=600) | st.just(60 * 24 * 31)
submitters = st.sampled_from(ACTORS[:3]) | actors

verdicts = st.sampled_from([rq.Verdict.APPROVE] * 4 + [rq.Verdict.REJECT, rq.Verdict.RETURN])
SHAPES = {
    "submit": st.tuples(st.just("submit"), submitters, amounts, chains, minutes),
    "decide": st.tuples(st.just("decide"), targets, who, verdicts, minutes),
    "resubmit": st.tuples(st.just("resubmit"), targets, who, amounts, chains, minutes),
    "cancel": st.tuples(st.just("cancel"), targets, who, minutes),
    "expire": st.tuples(st.just("expire"), targets, minutes),
    "pay": st.tuples(st.just("pay"), targets, who, st.integers(min_value=0, max_value=1), minutes),
    "void": st.tuples(st.just("void"), targets, who, minutes),
}
# Deciding is most of a request's life: it is drawn more often than the rest.
KINDS = ["submit", "decide", "decide", "decide", "decide", "resubmit", "cancel", "expire"]
operations = st.sampled_from([*KINDS, "pay", "pay", "void"]).flatmap(SHAPES.__getitem__)


def _actor(kind: str, request: rq.Request, *, honest: bool, pick: int) -> rq.Actor:
    candidates: tuple[rq.Actor, ...] = ACTORS
    if honest:
        step = request.next_step()
        if kind == "decide" and step is not None:
            candidates = tuple(a for a in ACTORS if a.role.value == step.role)
        elif kind in ("resubmit", "cancel"):
            candidates = tuple(a for a in ACTORS if a.name == request.requested_by)
        elif kind == "pay":
            candidates = tuple(a for a in ACTORS if a.role is Role.ACCOUNTANT)
        elif kind == "void":
            candidates = tuple(a for a in ACTORS if a.role is Role.FOUNDATION)
    return candidates[pick % len(candidates)]


def _apply(
    op: tuple[object, ...], requests: list[rq.Request], now: datetime.datetime
) -> tuple[int | None, rq.Request | rq.Refused]:
    """Run one operation; the index of the request it acted on (None: a new one)."""
    kind = op[0]
    if kind == "submit":
        _, actor, amount, chain, _ = op
        terms = rq.Terms(amount, "某某社会组织", "困难群众慰问")  # type: ignore[arg-type]
        return None, rq.submit(fund="C1-MICRO", terms=terms, chain=chain, by=actor, at=now)  # type: ignore[arg-type]
    index = int(op[1]) % len(requests)  # type: ignore[call-overload]
    request = requests[index]
    if kind != "expire":
        honest, pick = op[2]  # type: ignore[misc]
        op = (*op[:2], _actor(str(kind), request, honest=honest, pick=pick), *op[3:])
    if kind == "decide":
        _, _, actor, verdict, _ = op
        return index, rq.decide(request, by=actor, verdict=verdict, comment="", at=now)  # type: ignore[arg-type]
    if kind == "resubmit":
        _, _, actor, amount, chain, _ = op
        terms = rq.Terms(amount, "某某社会组织", "补充名单后再次申请")  # type: ignore[arg-type]
        return index, rq.resubmit(request, by=actor, terms=terms, chain=chain, at=now)  # type: ignore[arg-type]
    if kind == "cancel":
        return index, rq.cancel(request, by=op[2], at=now)  # type: ignore[arg-type]
    if kind == "expire":
        return index, rq.expire(request, now=now, ttl=TTL)
    if kind == "pay":
        _, _, actor, days_after, _ = op
        approved_on = request.updated_at.date()
        return index, rq.pay(
            request,
            by=actor,  # type: ignore[arg-type]
            paid_on=approved_on + datetime.timedelta(days=int(days_after)),  # type: ignore[call-overload]
            bank_reference="BANK-1",
            approved_on=approved_on,
            today=now.date(),
            at=now,
        )
    assert kind == "void"
    return index, rq.void(request, by=op[2], reason="重复申请", at=now)  # type: ignore[arg-type]


def _check_people(request: rq.Request) -> None:
    steps_by_person: dict[str, set[tuple[str, str]]] = {}
    for round_ in request.rounds:
        deciders = [d.by for d in round_.decisions]
        assert len(deciders) == len(set(deciders)), "someone decided twice in one round"
        assert request.requested_by not in deciders, "the requester decided their own request"
        for position, decision in enumerate(round_.decisions):
            assert decision.step == position
            assert (decision.role, decision.org) == (
                round_.chain[position].role,
                round_.chain[position].org,
            )
            steps_by_person.setdefault(decision.by, set()).add((decision.role, decision.org))
    for person, steps in steps_by_person.items():
        assert len(steps) == 1, f"{person} filled {sorted(steps)}"


def _check_status(request: rq.Request) -> None:
    current = request.current
    verdicts = [d.verdict for d in current.decisions]
    approved_all = len(verdicts) == len(current.chain) and all(
        v is rq.Verdict.APPROVE for v in verdicts
    )
    if request.status in (rq.Status.APPROVED, rq.Status.PAID, rq.Status.VOIDED):
        assert approved_all
    if request.status is rq.Status.PENDING:
        assert all(v is rq.Verdict.APPROVE for v in verdicts)
        assert len(verdicts) < len(current.chain)
    if request.status is rq.Status.REJECTED:
        assert verdicts[-1] is rq.Verdict.REJECT
    if request.status is rq.Status.RETURNED:
        assert verdicts[-1] is rq.Verdict.RETURN
    for earlier in request.rounds[:-1]:
        assert earlier.decisions[-1].verdict is rq.Verdict.RETURN, "only a return opens a round"
    assert [r.number for r in request.rounds] == list(range(1, len(request.rounds) + 1))


@settings(max_examples=200, deadline=None)
@given(st.lists(operations, min_size=20, max_size=80))
def test_random_lives_keep_the_rules(ops: list[tuple[object, ...]]) -> None:
    requests: list[rq.Request] = []
    histories: list[list[rq.Status]] = []
    held = Decimal("0.00")
    now = START
    for op in ops:
        now += datetime.timedelta(minutes=int(op[-1]))  # type: ignore[call-overload]
        if op[0] != "submit" and not requests:
            continue
        index, result = _apply(op, requests, now)
        before = None if index is None else requests[index]
        if before is not None and before.status in rq.RESOLVED:
            assert isinstance(result, rq.Refused), f"{op[0]} changed a {before.status} request"
        if isinstance(result, rq.Refused):
            assert result.code in {
                rq.FORBIDDEN,
                rq.INVALID_TRANSITION,
                rq.SELF_APPROVAL,
                rq.VALIDATION_ERROR,
            }
            continue
        held += rq.hold_change(before, result)
        if index is None:
            requests.append(result)
            histories.append([result.status])
        else:
            assert before is not None
            # past rounds are never rewritten; a new round leaves the last one as it was
            assert result.rounds[: len(before.rounds) - 1] == before.rounds[:-1]
            if len(result.rounds) > len(before.rounds):
                assert result.rounds[len(before.rounds) - 1] == before.rounds[-1]
            requests[index] = result
            if result.status is not histories[index][-1]:
                histories[index].append(result.status)
        for request, history in zip(requests, histories, strict=True):
            _check_people(request)
            _check_status(request)
            resolutions = [s for s in history if s in rq.RESOLVED]
            assert len(resolutions) <= 1
            assert not resolutions or history[-1] is resolutions[0]
        expected = sum(
            (r.amount for r in requests if r.status in (rq.Status.PENDING, rq.Status.RETURNED)),
            Decimal("0.00"),
        )
        assert held == expected
    for request in requests:
        event(f"ended {request.status}")
        event(f"{len(request.rounds)} round(s)")


def _submitted(chain: tuple[rq.Step, ...] = STEPS) -> rq.Request:
    result = rq.submit(
        fund="C1-MICRO",
        terms=rq.Terms(Decimal("800.00"), "玉林社区居委会", "重阳节慰问"),
        chain=chain,
        by=ACTORS[0],
        at=START,
    )
    assert isinstance(result, rq.Request)
    return result


def test_a_person_in_two_roles_fills_one_step_only() -> None:
    request = _submitted()
    first = rq.decide(request, by=ACTORS[3], verdict=rq.Verdict.APPROVE, at=START)  # wang, party
    assert isinstance(first, rq.Request)
    second = rq.decide(first, by=ACTORS[5], verdict=rq.Verdict.APPROVE, at=START)  # wang, street
    assert second == rq.Refused(
        rq.SELF_APPROVAL, "wang already decided another step of request None"
    )


def test_return_and_resubmit_keeps_the_first_round() -> None:
    request = _submitted()
    returned = rq.decide(
        request, by=ACTORS[4], verdict=rq.Verdict.RETURN, comment="请补充困难群众名单", at=START
    )
    assert isinstance(returned, rq.Request)
    assert returned.status is rq.Status.RETURNED
    later = START + datetime.timedelta(days=2)
    again = rq.resubmit(
        returned,
        by=ACTORS[0],
        terms=rq.Terms(Decimal("650.00"), "玉林社区居委会", "重阳节慰问(附名单)"),
        chain=STEPS,
        at=later,
    )
    assert isinstance(again, rq.Request)
    assert [r.number for r in again.rounds] == [1, 2]
    assert again.rounds[0].terms == rq.Terms(Decimal("800.00"), "玉林社区居委会", "重阳节慰问")
    assert again.rounds[0].decisions[0].comment == "请补充困难群众名单"
    assert again.amount == Decimal("650.00")
    assert again.next_step() == STEPS[0]
    # the hold follows the amount: 800.00 held, then 650.00
    assert rq.hold_change(returned, again) == Decimal("-150.00")


def test_expiry_counts_from_the_last_change() -> None:
    request = _submitted()
    assert rq.expire(request, now=START + TTL, ttl=TTL) == rq.Refused(
        rq.INVALID_TRANSITION, "request None is not due to expire"
    )
    expired = rq.expire(request, now=START + TTL + datetime.timedelta(seconds=1), ttl=TTL)
    assert isinstance(expired, rq.Request)
    assert expired.status is rq.Status.EXPIRED
    assert rq.hold_change(request, expired) == Decimal("-800.00")
