"""docs/BENCHMARKS.md: each benchmark replaces its own section and leaves the others alone."""

from __future__ import annotations

from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


def write_section(text: str, section: str) -> None:
    """Replace the section headed `section` (a "## ..." line) with `text`, or add it."""
    PATH.parent.mkdir(exist_ok=True)
    current = PATH.read_text(encoding="utf-8") if PATH.exists() else "# Benchmarks\n"
    if section in current:
        before, rest = current.split(section, 1)
        after = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        current = before + text + ("\n" + after if after else "")
    else:
        current = current.rstrip("\n") + "\n\n" + text
    PATH.write_text(current, encoding="utf-8")
