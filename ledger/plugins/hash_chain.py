"""Plugin: the transactions Fundbook wrote keep their hash chain, and each is booked once.

`ledger.writer` gives each transaction it appends `fb_seq`, `fb_prev` and
`fb_hash`; `ledger.chain.verify_chain` recomputes the chain in `fb_seq` order.
`ledger.chain.repeated_ids` finds an `fb_id` on more than one transaction
anywhere in the book (say a payment copied into manual.beancount).
Accepted: the writer's entries as written, for example

    2026-03-02 * "玉林社区老年协会" "支付: 重阳节敬老活动" ^req-R000042
      fb_id: "R000042-payment"
      fund: "MF-ST01C01"
      fb_seq: "2"
      fb_prev: "<fb_hash of entry 1>"
      fb_hash: "<hash of this entry and fb_prev>"
      Liabilities:Payable:MF-ST01C01                800.00 CNY
      Assets:Bank:ICBC:MF-ST01C01                  -800.00 CNY

Rejected: the same entry with its amount edited by hand to 80.00 (its
`fb_hash` no longer matches), or with entry 1 deleted (its `fb_prev` points to
nothing), or a copy of it without the chain's keys added by hand (its fb_id
is booked twice). Entries without `fb_seq` (history, manual entries) are not
chained. Registry changes (`fb_change`) must match the digest of their chained
record (`ledger.registry_record`).
"""

from __future__ import annotations

from typing import Any

from beancount.core import data

from ledger.chain import repeated_ids, verify_chain
from ledger.registry_record import verify_registry

__plugins__ = ("hash_chain",)


def hash_chain(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[Any]]:
    del options_map
    return entries, [*verify_chain(entries), *repeated_ids(entries), *verify_registry(entries)]
