"""`GET /healthz`: answers without auth when the database and the book are reachable."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import ServicesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(services: ServicesDep) -> dict[str, str]:
    with services.read() as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        session.rollback()
    return {"status": "ok"}
