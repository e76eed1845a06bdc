"""The request filter means the same in SQL and in Python.

`RequestFilter.where` narrows the database's requests; `RequestFilter.keeps`
tests the requests only the book knows. A list mixes both, so for random
requests (written to a real database, SQLite and PostgreSQL) and random
filters, the two must keep exactly the same requests: local-day bounds in the
foundation's zone around midnight, amounts at the bounds, text in any field.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from api.service.request_filters import RequestFilter
from funds import requests
from store.engine import make_engine
from store.tables import Request

ZONE = ZoneInfo("Asia/Shanghai")
BASE = datetime.datetime(2026, 3, 1, 15, 30, tzinfo=datetime.UTC)  # 23:30 in Shanghai

words = st.sampled_from(["慰问", "图书", "Book", "book", "养老", "R0000", "名单"])
texts = st.lists(words, min_size=1, max_size=3).map("".join)
amounts = st.sampled_from([Decimal(v) for v in ("10.00", "49.99", "50.00", "50.01", "900.00")])
moments = st.integers(min_value=-3 * 24 * 60, max_value=3 * 24 * 60).map(
    lambda minutes: BASE + datetime.timedelta(minutes=minutes)
)
days = st.integers(min_value=-4, max_value=4).map(
    lambda n: datetime.date(2026, 3, 1) + datetime.timedelta(days=n)
)
rows = st.lists(
    st.tuples(
        st.sampled_from(["MF-A", "MF-B"]),
        st.sampled_from(list(requests.Status)),
        amounts,
        texts,
        texts,
        moments,
    ),
    min_size=1,
    max_size=8,
)


@st.composite
def filters(draw: st.DrawFn) -> RequestFilter:
    low, high = sorted([draw(amounts), draw(amounts)])
    first = draw(days)
    return RequestFilter(
        status=draw(st.none() | st.sampled_from(list(requests.Status))),
        fund=draw(st.none() | st.sampled_from(["MF-A", "MF-B"])),
        created_from=draw(st.none() | st.just(first)),
        created_to=draw(
            st.none() | st.integers(0, 3).map(lambda n: first + datetime.timedelta(days=n))
        ),
        amount_min=draw(st.none() | st.just(low)),
        amount_max=draw(st.none() | st.just(high)),
        text=draw(st.none() | words.map(str.lower) | words),
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url, pool_size=1)
    SQLModel.metadata.create_all(built)
    yield built
    built.dispose()


def _domain(
    code: str, row: tuple[str, requests.Status, Decimal, str, str, datetime.datetime]
) -> requests.Request:
    fund, status, amount, payee, purpose, at = row
    return requests.Request(
        code=code,
        fund=fund,
        requested_by="张敏",
        requested_org="C1",
        created_at=at,
        updated_at=at,
        status=status,
        rounds=(requests.Round(1, requests.Terms(amount, payee, purpose), (), at),),
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(found=rows, where=filters())
def test_sql_and_python_keep_the_same_requests(
    engine: Engine,
    found: list[tuple[str, requests.Status, Decimal, str, str, datetime.datetime]],
    where: RequestFilter,
) -> None:
    with Session(engine) as session:
        session.exec(delete(Request))  # type: ignore[call-overload]
        for index, row in enumerate(found, start=1):
            fund, status, amount, payee, purpose, at = row
            session.add(
                Request(
                    code=f"R{index:06d}",
                    fund=fund,
                    amount=amount,
                    payee=payee,
                    purpose=purpose,
                    status=status.value,
                    requested_by="张敏",
                    created_at=at,
                    submitted_at=at,
                    updated_at=at,
                )
            )
        session.commit()
        in_sql = set(session.exec(where.where(select(Request.code), ZONE)))
    in_python = {
        f"R{index:06d}"
        for index, row in enumerate(found, start=1)
        if where.keeps(_domain(f"R{index:06d}", row), ZONE)
    }
    assert in_sql == in_python


def test_an_inverted_range_is_refused() -> None:
    with pytest.raises(Exception, match="after created_to"):
        RequestFilter(created_from=datetime.date(2026, 3, 2), created_to=datetime.date(2026, 3, 1))
    with pytest.raises(Exception, match="above amount_max"):
        RequestFilter(amount_min=Decimal("2.00"), amount_max=Decimal("1.00"))
