"""A fund's month-end history as a small inline SVG line (no JavaScript, no floats)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

WIDTH = 120
HEIGHT = 24
PAD = 2


def _coordinate(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'))}"


def sparkline_svg(points: Sequence[Decimal]) -> str:
    """An SVG polyline of `points` (oldest first), scaled to the box."""
    if not points:
        return ""
    low, high = min(points), max(points)
    span = high - low
    step = Decimal(WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    inner = Decimal(HEIGHT - 2 * PAD)
    coords = []
    for index, value in enumerate(points):
        x = PAD + step * index
        y = Decimal(HEIGHT) / 2 if span == 0 else PAD + inner * (high - value) / span
        coords.append(f"{_coordinate(x)},{_coordinate(y)}")
    last_x, last_y = coords[-1].split(",")
    return (
        f'<svg class="fundbook-spark" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img">'
        f'<polyline fill="none" stroke="#3273dc" stroke-width="1.5" '
        f'points="{" ".join(coords)}"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2" fill="#3273dc"/></svg>'
    )
