"""Fava extension of Fundbook: the accountants' desk (`custom "fava-extension" "fava_fundbook"`)."""

from fava_fundbook.extension import FundbookDesk

__all__ = ["FundbookDesk"]
