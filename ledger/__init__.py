"""The book: a Beancount v3 ledger in which every fund is first-class.

`accounts` names the chart of accounts, `entries` builds the transactions of
every money movement, `writer` is the only code that appends to the book,
`registry_io` stores the fund registry in the book, and `plugins` enforce what
Beancount alone does not.
"""
