"""Audit reports over the book: statements, registers, compliance and integrity.

An adapter over `ledger/` and `funds/`: it loads the book, computes report
figures as frozen values (`Decimal` money), and renders them as JSON, HTML,
PDF or XLSX, labelled in Chinese or English. The one entry point for callers
is `reports.service.render_report`.
"""
