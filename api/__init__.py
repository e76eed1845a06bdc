"""The HTTP API of Fundbook (FastAPI adapter): `create_app(settings)` builds it."""
