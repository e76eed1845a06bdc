"""Property: whatever the sequence of use cases, holds and the book stay consistent.

Random sequences of submit, approve, return, resubmit, reject, cancel, pay and
void on one fund (in-process, real SQLite file and real book): after every
step available = balance - held is never negative, held is the sum of the
pending and returned requests, and the book's balance is the seed minus the
approved, paid (and not voided) requests.
"""

from __future__ import annotations

import contextlib
import itertools
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from api.app import build_services
from api.schemas import DecisionCreate, PaymentCreate, RequestChange, RequestCreate, VoidCreate
from api.service import disbursements, holds
from api.service.errors import ServiceError
from api.settings import Settings
from store.tables import Request
from tests.api.serving import small_book, today_local
from tests.api.test_service import ACCOUNTANT, COMMITTEE, FOUNDATION, PARTY, STREET, run

FUND = "MF-ST01C01"
SEED = Decimal("50.00")
amounts = st.integers(min_value=1, max_value=3000).map(lambda cents: f"{Decimal(cents) / 100:.2f}")
steps = st.lists(
    st.one_of(
        st.tuples(st.just("submit"), amounts),
        st.tuples(
            st.sampled_from(
                ["approve", "approve", "approve", "return", "reject", "cancel", "pay", "void"]
            ),
            st.integers(0, 5),
        ),
        st.tuples(st.just("resubmit"), st.tuples(st.integers(0, 5), amounts)),
    ),
    min_size=4,
    max_size=16,
)
counter = itertools.count()


def _act(services: Any, codes: list[str], step: tuple[str, Any]) -> None:
    kind, arg = step
    if kind == "submit":
        body = RequestCreate(fund=FUND, amount=arg, payee="P", purpose="x")  # type: ignore[arg-type]
        codes.append(run(services, disbursements.submit, caller=COMMITTEE, body=body)["id"])
        return
    if not codes:
        return
    if kind == "resubmit":
        code = codes[arg[0] % len(codes)]
        run(
            services,
            disbursements.resubmit,
            caller=COMMITTEE,
            code=code,
            body=RequestChange(amount=arg[1]),
        )  # type: ignore[arg-type]
        return
    code = codes[arg % len(codes)]
    if kind in ("approve", "return", "reject"):
        current = disbursements.get(services=services, caller=FOUNDATION, code=code)
        nxt = current["next_step"]
        caller = {"community_party": PARTY, "street": STREET, "foundation": FOUNDATION}.get(
            nxt["role"] if nxt else "foundation", FOUNDATION
        )
        run(
            services,
            disbursements.decide,
            caller=caller,
            code=code,
            body=DecisionCreate(decision=kind),
        )  # type: ignore[arg-type]
    elif kind == "cancel":
        run(services, disbursements.cancel, caller=COMMITTEE, code=code)
    elif kind == "pay":
        run(
            services,
            disbursements.pay,
            caller=ACCOUNTANT,
            code=code,
            body=PaymentCreate(paid_on=today_local(), bank_reference="B"),
        )
    else:
        run(services, disbursements.void, caller=FOUNDATION, code=code, body=VoidCreate(reason="r"))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps)
def test_holds_and_the_book_agree_after_any_sequence(sequence: list[tuple[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = small_book(Path(tmp) / f"home{next(counter)}", {FUND: SEED})
        services, engine = build_services(Settings(home=home))
        try:
            codes: list[str] = []
            for step in sequence:
                with contextlib.suppress(ServiceError):  # refused: the checks below still hold
                    _act(services, codes, step)
                with services.read() as session:
                    rows = list(session.exec(select(Request)))
                    state = holds.availability(session, services.book, FUND)
                held = sum((r.amount for r in rows if r.status in holds.HOLDING), Decimal("0.00"))
                booked = sum(
                    (r.amount for r in rows if r.status in ("approved", "paid")), Decimal("0.00")
                )
                assert state.held == held
                assert state.balance == SEED - booked
                assert state.balance - state.held >= 0
        finally:
            engine.dispose()  # type: ignore[attr-defined]
