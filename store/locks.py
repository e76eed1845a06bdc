"""The per-fund lock around check-and-hold and every change of a fund's requests.

On PostgreSQL the session takes `SELECT ... FOR UPDATE` on the fund's row of
`fund_state` (created on first use); on SQLite the session already holds the
database's write lock since its `BEGIN IMMEDIATE` (see `store.engine`).
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from store.tables import FundState


def lock_fund(session: Session, fund: str) -> None:
    """Hold the fund's lock until the session commits or rolls back."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.get(FundState, fund)  # starts the immediate transaction
        return
    statement = select(FundState).where(FundState.fund == fund).with_for_update()
    if session.exec(statement).first() is not None:
        return
    try:
        with session.begin_nested():
            session.add(FundState(fund=fund))
    except IntegrityError:
        pass
    session.exec(statement).one()
