"""The failures a person asking for a report can meet, one class each."""

from __future__ import annotations


class ReportError(Exception):
    """Base of every report failure; the message is for the person who asked."""


class UnknownReport(ReportError):
    """No report has this name."""


class UnknownFormat(ReportError):
    """No renderer for this format."""


class UnknownFund(ReportError):
    """The fund asked for is not in the book's registry."""


class InvalidPeriod(ReportError):
    """The period ends before it begins."""


class BookNotFound(ReportError):
    """HOME holds no book."""


class FontMissing(ReportError):
    """The CJK font a PDF embeds is not installed."""
