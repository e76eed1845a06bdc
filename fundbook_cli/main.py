"""`fundbook COMMAND HOME ...`: one entry point, one module per command.

Each command module exposes `register(subparsers)`, which adds its parser and
sets `handler(args) -> int` as the parser's default.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

COMMAND_MODULES = (
    "fundbook_cli.cmd_book",
    "fundbook_cli.cmd_check",
    "fundbook_cli.cmd_close",
    "fundbook_cli.cmd_seal",
    "fundbook_cli.cmd_fava",
    "fundbook_cli.cmd_api",
    "fundbook_cli.cmd_report",
    "fundbook_cli.cmd_registry",
    "fundbook_cli.cmd_repair",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fundbook", description="The fund ledger of a community development foundation."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.handler(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
