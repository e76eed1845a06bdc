"""The pure domain of a community development foundation.

Organizations, funds, approval chains and money. Nothing here performs I/O or
imports a web or database framework; `ledger/` stores these values in the book
and `api/` and `reports/` adapt them for people.
"""
