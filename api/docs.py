"""`/docs` (Swagger UI) and `/redoc` without internet: the assets ship in a Python package.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, which is a blank
page offline and unreliable in mainland China. These pages load the same
assets from the `fastapi-offline` package installed with Fundbook, served by
the app itself under `/docs/assets/`; nothing on the pages leaves the server.
Swagger's *Authorize* button takes a token (the OpenAPI declares bearer auth,
see `api.openapi`) and keeps it across reloads.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse, Response

ASSET_PACKAGE = "fastapi_offline"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
ASSET_PREFIX = "/docs/assets/"
TITLE = "Fundbook API"

router = APIRouter(include_in_schema=False)


def asset_dir() -> Path:
    """Where the package keeps the assets (resolved on use, not at import)."""
    return Path(str(resources.files(ASSET_PACKAGE) / "static"))


@router.get("/docs")
def swagger() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} · Swagger UI",
        swagger_js_url=f"{ASSET_PREFIX}swagger-ui-bundle.js",
        swagger_css_url=f"{ASSET_PREFIX}swagger-ui.css",
        swagger_favicon_url=f"{ASSET_PREFIX}favicon.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
    )


@router.get("/redoc")
def redoc() -> HTMLResponse:
    return get_redoc_html(
        openapi_url="/openapi.json",
        title=f"{TITLE} · ReDoc",
        redoc_js_url=f"{ASSET_PREFIX}redoc.standalone.js",
        redoc_favicon_url=f"{ASSET_PREFIX}favicon.png",
        with_google_fonts=False,
    )


@router.get(ASSET_PREFIX + "{name}")
def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        return Response(status_code=404)
    return FileResponse(
        asset_dir() / name,
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400"},
    )
