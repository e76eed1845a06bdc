"""Fundbook's Beancount plugins: the rules of a fund ledger that Beancount does not know.

The book's main.beancount declares them, in this order, so that `bean-check`,
Fava and `fundbook check` all apply them:

    plugin "ledger.plugins.registered_funds"      every posting belongs to a registered fund
    plugin "ledger.plugins.fund_balance"          each transaction balances fund by fund
    plugin "ledger.plugins.restricted_spending"   restricted money stays in its fund
    plugin "ledger.plugins.no_overdraft"          no fund below zero at the end of a day
    plugin "ledger.plugins.hash_chain"            Fundbook-written entries keep their chain;
                                                  no fb_id is booked twice

Each plugin makes one pass over the entries, changes none of them and returns
its findings as error values `(source, message, entry)`.
"""
