"""`GET /v1/orgs`: organizations in the caller's scope, with their ancestors."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep, ServicesDep
from api.schemas import OrgPublic
from api.service.scope import visible_orgs

router = APIRouter(prefix="/v1", tags=["who and what"])


@router.get("/orgs")
def list_orgs(caller: CallerDep, services: ServicesDep) -> list[OrgPublic]:
    registry = services.book.registry
    return [
        OrgPublic(
            code=org.code,
            name=org.name,
            name_zh=org.name_zh,
            kind=org.kind.value,
            parent=org.parent,
        )
        for org in (registry.orgs[code] for code in visible_orgs(registry, caller))
    ]
