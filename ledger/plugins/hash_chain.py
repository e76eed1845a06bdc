"""Plugin: the transactions Fundbook wrote keep their hash chain.

`ledger.writer` gives each transaction it appends `fb_seq`, `fb_prev` and
`fb_hash`; `ledger.chain.verify_chain` recomputes the chain in `fb_seq` order.
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
nothing). Entries without `fb_seq` (history, manual entries) are not chained.
"""

from __future__ import annotations

from typing import Any

from beancount.core import data

from ledger.chain import verify_chain

__plugins__ = ("hash_chain",)


def hash_chain(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[Any]]:
    del options_map
    return entries, list(verify_chain(entries))
