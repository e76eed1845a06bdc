"""`fundbook seal HOME --year YYYY`: seal a closed year into `HOME/book/years/YYYY/`.

The year's close must be booked first (`fundbook close`). Prints the seal, or
what stands in the way (exit 1). Run it with the API stopped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ledger.check import BookNotFound
from ledger.seal import SealRefused, seal_year


def _seal(args: argparse.Namespace) -> int:
    try:
        seal = seal_year(Path(args.home), args.year)
    except BookNotFound as exc:
        print(f"fundbook seal: {exc}", file=sys.stderr)
        return 2
    except SealRefused as exc:
        print(f"fundbook seal: {exc.year} cannot be sealed:", file=sys.stderr)
        for reason in exc.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return 1
    print(f"sealed {seal.year}: {seal.file} sha256 {seal.sha256} seal {seal.seal}")
    return 0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "seal", help="seal a closed year into a book of its own (years/YYYY/main.beancount)"
    )
    parser.add_argument("home", help="the district's HOME directory")
    parser.add_argument("--year", type=int, required=True, help="the closed year to seal")
    parser.set_defaults(handler=_seal)
