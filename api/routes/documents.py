"""Uploading documents: `POST .../documents` on requests, contributions and grant milestones.

Multipart form: `file` (PDF, JPEG or PNG, checked from its content, at most
10 MB) and optional `kind` (default 请款函, 捐赠票据 or 里程碑报告). 201 with the
stored document's sha256 and path when it is new, 200 when that file was
already linked to the same thing.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import CallerDep, ServicesDep
from api.service import documents as use
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import ValidationFailed
from ledger.documents import SIZE_MAX

router = APIRouter(tags=["documents"])

FileDep = Annotated[UploadFile, File(description="PDF, JPEG or PNG, at most 10 MB")]
KindDep = Annotated[str | None, Form(description="e.g. 请款函; default by what it is attached to")]


async def _attach(
    services: Services,
    caller: Caller,
    upload: UploadFile,
    kind: str | None,
    **target: Any,
) -> Response:
    content = await upload.read(SIZE_MAX + 1)
    if len(content) > SIZE_MAX:
        raise ValidationFailed(f"file: larger than {SIZE_MAX // 1024 // 1024} MB")
    created, body = await run_in_threadpool(
        lambda: use.attach(
            services=services,
            caller=caller,
            content=content,
            filename=upload.filename,
            kind=kind,
            **target,
        )
    )
    return Response(
        json.dumps(body, ensure_ascii=False),
        status_code=201 if created else 200,
        media_type="application/json",
    )


@router.post("/v1/disbursements/{code}/documents", status_code=201)
async def attach_to_request(
    *, code: str, file: FileDep, caller: CallerDep, services: ServicesDep, kind: KindDep = None
) -> Response:
    """Attach a document (the 请款函, an invoice) to a disbursement request."""
    return await _attach(services, caller, file, kind, what="disbursement", code=code)


@router.post("/v1/contributions/{code}/documents", status_code=201)
async def attach_to_contribution(
    *, code: str, file: FileDep, caller: CallerDep, services: ServicesDep, kind: KindDep = None
) -> Response:
    """Attach a document (the 捐赠票据, a bank slip) to a contribution."""
    return await _attach(services, caller, file, kind, what="contribution", code=code)


@router.post("/v1/grants/{code}/tranches/{number}/documents", status_code=201)
async def attach_to_milestone(
    *,
    code: str,
    number: int,
    file: FileDep,
    caller: CallerDep,
    services: ServicesDep,
    kind: KindDep = None,
) -> Response:
    """Attach a milestone report to a tranche of a grant."""
    return await _attach(services, caller, file, kind, what="milestone", code=code, tranche=number)
