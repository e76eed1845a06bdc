"""The workflow database: SQLModel tables, engines and Alembic migrations.

Only workflow state lives here (tokens, requests and their decisions, holds,
idempotency keys, the outbox of postings on their way to the book); the book
of record is the Beancount book.
"""
