"""Use cases of the API: requests, decisions, holds, payments and the outbox to the book.

Route functions parse and render; everything else happens here, so other
workflows (allocations, grants) reuse the same holds, chains and outbox.
"""
