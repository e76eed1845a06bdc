"""Plugin: every posting goes to an account of a fund registered in the book.

The fund is the last component of a fund account (`ledger.accounts`), and the
funds are the book's `custom "fundbook-fund"` directives (`ledger.registry_io`).
Accepted, with MF-ST01C01 registered:

    2026-03-01 * "捐赠"
      Assets:Bank:ICBC:MF-ST01C01                   100.00 CNY
      Income:Donation:Restricted:MF-ST01C01        -100.00 CNY

Rejected: a posting to the shared parent account, which belongs to no fund,
and a posting to a fund that the registry does not know:

    2026-03-01 * "捐赠"
      Assets:Bank:ICBC                              100.00 CNY
      Income:Donation:Restricted:MF-ST99C99        -100.00 CNY

Registry directives that do not load (`ledger.registry_io.read_registry`) are
reported here too.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from beancount.core import data

from ledger.plugins.common import FundOfAccount, describe, source_of
from ledger.registry_io import read_registry

__plugins__ = ("registered_funds",)


class UnregisteredFundError(NamedTuple):
    """A posting to a non-fund account or to a fund missing from the registry."""

    source: dict[str, Any]
    message: str
    entry: data.Directive | None


def registered_funds(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[Any]]:
    del options_map
    book, registry_errors = read_registry(entries)
    known = book.registry.funds
    errors: list[Any] = list(registry_errors)
    fund_of = FundOfAccount()
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        for posting in entry.postings:
            fund = fund_of(posting.account)
            if fund is None:
                message = (
                    f"posting to {posting.account}, which belongs to no fund "
                    f"(post to a fund account such as {posting.account}:<FUND>), "
                    f"in {describe(entry)}"
                )
            elif fund not in known:
                message = (
                    f"posting to {posting.account} of fund {fund}, which is not registered "
                    f"in the book, in {describe(entry)}"
                )
            else:
                continue
            errors.append(UnregisteredFundError(source_of(entry), message, entry))
    return entries, errors
